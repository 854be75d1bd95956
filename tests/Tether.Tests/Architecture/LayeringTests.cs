using System.Text.RegularExpressions;

namespace Tether.Tests.Architecture;

/// <summary>
/// The house's layout, read off the source tree: the core (src/Tether/Events) depends on no feature folder, and no file
/// grows past what a reader takes in at once.
/// </summary>
public sealed partial class LayeringTests
{
    private static readonly string[] s_features = ["Accessors", "Authentication", "Components", "Diagnostics", "Handoff", "Handshake", "SignalR", "Store", "Tiers"];

    [Fact]
    public void The_core_names_no_namespace_of_a_feature_folder()
    {
        var offences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Source, "Tether", "Events"), "*.cs"))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                var code = CodeOf(line);
                foreach (Match match in FeatureReference().Matches(code))
                {
                    if (s_features.Contains(match.Groups["feature"].Value))
                    {
                        offences.Add($"{Path.GetFileName(file)}:{lineNumber}: {line.Trim()}");
                    }
                }
            }
        }

        Assert.Empty(offences);
    }

    [Fact]
    public void No_source_file_is_longer_than_250_lines()
    {
        var offences = Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(Source, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > 250)
            .Select(f => $"{f.File}: {f.Lines} lines");
        Assert.Empty(offences);
    }

    // What is code of a line: not a comment (a doc comment may well name a feature that plugs in).
    private static string CodeOf(string line)
    {
        var comment = line.IndexOf("//", StringComparison.Ordinal);
        return comment >= 0 ? line[..comment] : line;
    }

    private static string Source
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Tether.slnx")))
            {
                folder = folder.Parent;
            }

            return Path.Combine(folder?.FullName ?? throw new InvalidOperationException("The repository root (Tether.slnx) was not found."), "src");
        }
    }

    // "using Tether.Handoff;", "Tether.Handoff.X", or "Handoff.X" (which resolves inside namespace Tether.Events too);
    // not "Microsoft.AspNetCore.Authentication.X".
    [GeneratedRegex(@"\busing\s+(?:static\s+)?Tether\.(?<feature>[A-Za-z]+)|(?<![\w.])(?:Tether\.)?(?<feature>[A-Z][A-Za-z]+)\.[A-Z]")]
    private static partial Regex FeatureReference();
}
