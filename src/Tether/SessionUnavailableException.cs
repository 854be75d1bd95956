namespace Tether;

/// <summary>
/// Thrown by an event when the session store could not be reached: before the handler, when the session could not be
/// loaded (the handler did not run), or after it, when what the handler wrote could not be saved.
/// </summary>
/// <remarks>
/// Over HTTP the same failure ends the request with a 500. An event reports it as this exception rather than run a
/// handler whose session writes would be silently dropped.
/// </remarks>
public sealed class SessionUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's error.</param>
    public SessionUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The key under which a handler's exception carries a <see cref="SessionUnavailableException"/> in its
    /// <see cref="Exception.Data"/> when the session could not be saved after the handler threw.
    /// </summary>
    public const string DataKey = "Tether.SessionUnavailable";

    /// <summary><see langword="true"/> when the handler ran and its session writes were not saved.</summary>
    public bool HandlerRan { get; init; }
}
