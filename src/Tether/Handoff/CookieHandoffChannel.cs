using Microsoft.Extensions.Primitives;
using Tether.Events;

namespace Tether.Handoff;

/// <summary>
/// The cookie handoff of one connection: stores the cookies each event set and tells the connection's browser to
/// redeem them, one event after another, so the browser applies them in the order the events set them.
/// </summary>
/// <remarks>
/// <para>
/// Nothing here runs for an event that set no cookie: the bridge only calls <see cref="Send"/> when the event's
/// response has <c>Set-Cookie</c> headers.
/// </para>
/// <para>
/// Concurrency: any thread may call any member. The queue's tail is read and replaced only under the channel's own
/// lock; the binding is replaced whole by <see cref="Rebind"/> and read with <see cref="Volatile"/>.
/// </para>
/// </remarks>
internal sealed class CookieHandoffChannel : ICookieDelivery
{
    private readonly CookieHandoffStore _store;
    private readonly string _url;
    private readonly Func<string, string, Task> _notify;
    private readonly Lock _lock = new();
    private byte[]? _binding;
    private Task _tail = Task.CompletedTask;

    public CookieHandoffChannel(CookieHandoffStore store, EventRequest handshake, string url, Func<string, string, Task> notify)
    {
        _store = store;
        _url = url;
        _notify = notify;
        Rebind(handshake);
    }

    /// <summary>The last handoff queued; completes when its browser was told (or telling it failed).</summary>
    internal Task Tail
    {
        get
        {
            lock (_lock)
            {
                return _tail;
            }
        }
    }

    /// <summary>Takes the binding cookie of a (new) handshake of the connection.</summary>
    public void Rebind(EventRequest handshake)
    {
        var binding = BindingCookie.Hash(BindingCookie.ValueOf(handshake));
        Volatile.Write(ref _binding, binding);
        if (binding is null)
        {
            CookieHandoffLog.Unbound(_store.Logger);
        }
    }

    /// <summary>
    /// When cookies set now stop being "on their way" to the browser (UTC ticks): the handoff's expiry; 0 when this
    /// connection cannot hand cookies off.
    /// </summary>
    public long PendingUntil()
        => Volatile.Read(ref _binding) is null ? 0 : (_store.Time.GetUtcNow() + _store.Lifetime).UtcTicks;

    /// <summary>
    /// Queues the handoff of an event's <c>Set-Cookie</c> headers. The event does not wait for it: the cookies are in
    /// the connection's jar already, which serves them until the browser has them.
    /// </summary>
    /// <param name="setCookies">The event's <c>Set-Cookie</c> headers.</param>
    /// <param name="pendingUntil">
    /// What <see cref="PendingUntil"/> returned when the jar took the cookies: the id expires then at the latest, so it
    /// is never redeemable after the jar stopped treating its cookies as on their way.
    /// </param>
    public void Send(StringValues setCookies, long pendingUntil)
    {
        var binding = Volatile.Read(ref _binding);
        if (binding is null || setCookies.Count == 0 || pendingUntil == 0)
        {
            return;
        }

        string[] cookies = [.. setCookies.Where(static c => c is not null).Select(static c => c!)];
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_lock)
        {
            previous = _tail;
            _tail = done.Task;
        }

        _ = SendAfterAsync(previous, done, binding, cookies, pendingUntil);
    }

    private async Task SendAfterAsync(Task previous, TaskCompletionSource done, byte[] binding, string[] cookies, long expires)
    {
        try
        {
            // The browser is told in the order the events set their cookies, and applies them in that order.
            await previous.ConfigureAwait(false);
            var id = await _store.StoreAsync(binding, cookies, expires).ConfigureAwait(false);
            await _notify(_url, id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _store.Failed(ex);
        }
        finally
        {
            // Never faults, so one failed handoff does not stop the ones after it.
            done.SetResult();
        }
    }
}
