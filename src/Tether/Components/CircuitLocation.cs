using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Tether.Components;

/// <summary>
/// The location a circuit's events run at: the URL its browser shows. That is <see cref="NavigationManager.Uri"/>, except
/// after an enhanced navigation that ended in a redirect, where Blazor reports the URL from before the redirect
/// (dotnet/aspnetcore#60836, fix proposed in #67976): a language switch (<c>/culture?...</c>, a 302 back to
/// <c>/profile</c>) would otherwise run every later event at <c>/culture</c>, past the page's own path guard. So the page
/// reports the URL it shows after every enhanced load (Tether.lib.module.js), over the circuit itself, ordered before
/// the next click; the report stands while Blazor's location is the one it corrected.
/// </summary>
/// <remarks>
/// The report is the client's word, as <see cref="NavigationManager.Uri"/> is: both go through the same location rules
/// (same origin, length limit, refusal). Concurrency: written and read on the circuit's dispatcher, except for the
/// revocation re-check, which may read it from another thread; the report is one immutable reference.
/// </remarks>
internal sealed class CircuitLocation(NavigationManager navigation) : IDisposable
{
    /// <summary>
    /// The JS-invokable identifier of <see cref="Report"/>. Reserved: its call is passive (it runs no app code and needs
    /// no bridge), see <see cref="ComponentHubCall.IsPassive"/>.
    /// </summary>
    public const string ReportMethod = "Tether.ReportLocation";

    private Correction? _correction;
    private DotNetObjectReference<CircuitLocation>? _reference;

    /// <summary>What the page calls to report its URL; one per circuit.</summary>
    public DotNetObjectReference<CircuitLocation> Reference => _reference ??= DotNetObjectReference.Create(this);

    /// <summary>The URL the browser shows, or <see langword="null"/> while the circuit has no location yet.</summary>
    public string? Current => Resolve(out _);

    /// <summary>
    /// The URL the browser shows; <paramref name="corrected"/> is Blazor's own location when the page's report replaced
    /// it. A caller that authorizes by page must hold the events to that page too: the report is the client's word, and
    /// must never take a page's protection away from events the circuit renders there.
    /// </summary>
    public string? Resolve(out string? corrected)
    {
        corrected = null;
        string blazor;
        try
        {
            blazor = navigation.Uri;
        }
        catch (InvalidOperationException)
        {
            // Not initialized yet: the circuit is starting and has no page location.
            return null;
        }

        if (Volatile.Read(ref _correction) is not { } correction)
        {
            return blazor;
        }

        if (correction.Corrected != blazor)
        {
            // A navigation since the report made Blazor's location the right one again, for good: a later navigation
            // back to the corrected URL must not bring the old report back.
            Interlocked.CompareExchange(ref _correction, null, correction);
            return blazor;
        }

        corrected = blazor;
        return correction.Shown;
    }

    /// <summary>The page reports the URL it shows, after an enhanced load.</summary>
    [JSInvokable(ReportMethod)]
    public void Report(string shown)
    {
        string blazor;
        try
        {
            blazor = navigation.Uri;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        Volatile.Write(ref _correction, shown is null || shown == blazor ? null : new Correction(blazor, shown));
    }

    public void Dispose() => _reference?.Dispose();

    private sealed record Correction(string Corrected, string Shown);
}
