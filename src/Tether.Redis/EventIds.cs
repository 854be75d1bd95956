namespace Tether.Redis;

/// <summary>
/// The log event ids of Tether.Redis: 300–319, a range the core registry (<c>Tether.EventIds</c>) leaves to this package.
/// A retired id is never reused.
/// </summary>
internal static class EventIds
{
    public const int ConnectionFailed = 300;
    public const int ConnectionRestored = 301;
    public const int ServerError = 302;
    public const int InternalError = 303;
    public const int SubscribeFailed = 304;
    public const int Subscribed = 305;
    public const int PublishFailed = 306;
    public const int MalformedRevocation = 307;
    public const int KeyRingRestored = 308;
    public const int KeyRingLearned = 309;
    public const int KeyRingWatchFailed = 310;
    public const int KeyRingServedFromMemory = 311;
    public const int NearCacheUp = 312;
    public const int NearCacheDown = 313;
    public const int NearCacheUnsupported = 314;
}
