using System.Text.RegularExpressions;

namespace Tether.Tests.Architecture;

/// <summary>
/// The house's layout, read off the source tree: the core (src/Tether/Events) depends on no feature folder, and no file
/// grows past what a reader takes in at once.
/// </summary>
public sealed partial class LayeringTests
{
    // Every folder of src/Tether but the core is a feature, a new one included.
    private static string[] Features => [.. Directory.GetDirectories(Path.Combine(Source, "Tether"))
        .Select(Path.GetFileName)
        .Where(name => name is not ("Events" or "bin" or "obj" or "wwwroot"))
        .Select(name => name!)];

    [Fact]
    public void The_core_names_no_namespace_of_a_feature_folder()
    {
        var features = Features;
        Assert.Contains("Handoff", features);
        var offences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Source, "Tether", "Events"), "*.cs", SearchOption.AllDirectories))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                var code = CodeOf(line);
                foreach (Match match in FeatureReference().Matches(code))
                {
                    if (features.Contains(match.Groups["feature"].Value))
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

    [Theory]
    [InlineData("using Tether.Handoff;")]
    [InlineData("global using Tether.Handoff;")]
    [InlineData("using static Tether.Handoff.BindingCookie;")]
    [InlineData("using Channels = Tether.Handoff;")]
    [InlineData("using global::Tether.Handoff;")]
    [InlineData("    private Handoff.CookieHandoffChannel? _handoff;")]
    [InlineData("    var x = global::Tether.Handoff.BindingCookie.Name;")]
    [InlineData("    var url = \"https://example\"; var n = Handoff.BindingCookie.Name;")]
    public void The_check_catches_a_feature_named_in_code(string line)
        => Assert.Contains(FeatureReference().Matches(CodeOf(line)), m => m.Groups["feature"].Value == "Handoff");

    [Theory]
    [InlineData("using Microsoft.AspNetCore.Authentication;")]
    [InlineData("    var scheme = Microsoft.AspNetCore.Authentication.CookieAuthenticationDefaults.AuthenticationScheme;")]
    [InlineData("    // the handoff (Handoff.CookieHandoffChannel) implements it")]
    [InlineData("    /// <see cref=\"Handoff.CookieHandoffChannel\"/>")]
    [InlineData("    var text = \"Handoff.CookieHandoffChannel\";")]
    public void The_check_passes_what_names_no_feature_in_code(string line)
        => Assert.DoesNotContain(FeatureReference().Matches(CodeOf(line)), m => m.Groups["feature"].Value == "Handoff");

    // What is code of a line: not a string or char literal, and not a comment (a doc comment may well name a feature
    // that plugs in); a "//" inside a string is no comment.
    private static string CodeOf(string line)
    {
        var code = Literal().Replace(line, "\"\"");
        var comment = code.IndexOf("//", StringComparison.Ordinal);
        return comment >= 0 ? code[..comment] : code;
    }

    [GeneratedRegex(@"@?""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)'")]
    private static partial Regex Literal();

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
    [GeneratedRegex(@"\busing\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?Tether\.(?<feature>[A-Za-z]+)|(?<![\w.:])(?:(?:global::)?Tether\.)?(?<feature>[A-Z][A-Za-z]+)\.[A-Z]")]
    private static partial Regex FeatureReference();
}
