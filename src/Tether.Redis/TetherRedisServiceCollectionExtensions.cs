using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.Internal;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tether;
using Tether.Authentication;
using Tether.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Scales a Tether app out on Redis.</summary>
public static class TetherRedisServiceCollectionExtensions
{
    /// <summary>
    /// Puts everything Tether shares between nodes on one Redis, through one connection multiplexer: the distributed
    /// cache behind sessions, revocable sign-ins and cookie handoffs (<c>Microsoft.Extensions.Caching.StackExchangeRedis</c>),
    /// the Data Protection key ring, the SignalR backplane, and the revocation bus (Redis pub/sub). Each event then reads
    /// its session and sign-in records in one round trip. Blazor circuits still need sticky sessions.
    /// </summary>
    /// <param name="builder">The <see cref="ITetherBuilder"/> from <c>AddTether()</c>.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, for example <c>"127.0.0.1:6379"</c>.</param>
    /// <param name="configure">Sets the prefix and what to keep in Redis.</param>
    /// <returns>The same builder.</returns>
    public static ITetherBuilder AddRedis(this ITetherBuilder builder, string configuration, Action<TetherRedisOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return builder.AddRedis(options =>
        {
            options.Configuration = configuration;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Puts everything Tether shares between nodes on one Redis; see
    /// <see cref="AddRedis(ITetherBuilder, string, Action{TetherRedisOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The <see cref="ITetherBuilder"/> from <c>AddTether()</c>.</param>
    /// <param name="configure">Sets where Redis is (<see cref="TetherRedisOptions.Configuration"/> or <see cref="TetherRedisOptions.ConfigurationOptions"/>), the prefix, and what to keep in Redis.</param>
    /// <returns>The same builder.</returns>
    public static ITetherBuilder AddRedis(this ITetherBuilder builder, Action<TetherRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        // What to register depends on the options, so they are read here once; the same delegate configures IOptions.
        var given = new TetherRedisOptions();
        configure(given);
        if (given.ConfigurationOptions is null && string.IsNullOrWhiteSpace(given.Configuration))
        {
            throw new ArgumentException("AddRedis needs TetherRedisOptions.Configuration (a connection string) or ConfigurationOptions.", nameof(configure));
        }

        var services = builder.Services;
        // The two switches decide what is registered, so they are read from this delegate alone: a later
        // Configure<TetherRedisOptions> that changes them would be silently ignored, so it fails the start instead.
        services.AddOptions<TetherRedisOptions>()
            .Configure(configure)
            .PostConfigure<IHostEnvironment>((options, environment) => options.Prefix ??= environment.ApplicationName)
            .Validate(
                options => options.PersistDataProtectionKeys == given.PersistDataProtectionKeys && options.UseSignalRBackplane == given.UseSignalRBackplane,
                "TetherRedisOptions.PersistDataProtectionKeys and UseSignalRBackplane decide what AddRedis registers, so they "
                + "must be set in the delegate passed to AddRedis(...), not in a later Configure<TetherRedisOptions>().")
            .ValidateOnStart();
        services.TryAddSingleton<RedisConnection>();

        // The cache: Microsoft's RedisCache on the shared connection. Registered with Add, so it replaces an in-memory
        // cache added before or after (AddDistributedMemoryCache uses TryAdd).
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<RedisCacheOptions>().Configure<RedisConnection>((options, connection) =>
        {
            options.InstanceName ??= connection.Prefix + ":";
            options.ConnectionMultiplexerFactory = async () => SharedMultiplexer.For(await connection.GetAsync());
        });
        services.TryAddSingleton<NearCache>();
        services.TryAddSingleton<IDistributedCacheBatchReader, RedisCacheBatchReader>();
        // Sessions commit with one script on the cache AddRedis puts in place, whatever compare-and-set came before.
        services.RemoveAll<IDistributedCacheCompareAndSet>();
        services.AddSingleton<IDistributedCacheCompareAndSet, RedisCacheCompareAndSet>();

        // The revocation bus replaces the in-process one whether AddRevocableSignIn() comes before or after.
        services.RemoveAll<ISignInRevocationBus>();
        services.AddSingleton<RedisSignInRevocationBus>();
        services.AddSingleton<ISignInRevocationBus>(static services => services.GetRequiredService<RedisSignInRevocationBus>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisBusStartup>());

        if (given.PersistDataProtectionKeys)
        {
            services.AddDataProtection();
            services.TryAddSingleton<RedisKeyRing>();
            services.AddOptions<KeyManagementOptions>().Configure<RedisKeyRing>((options, ring) => options.XmlRepository = ring);

            // Data Protection's own key manager, whose cached ring Tether can expire when Redis holds keys it lacks.
            services.TryAddSingleton(static services => new RefreshableKeyManager(new XmlKeyManager(
                services.GetRequiredService<IOptions<KeyManagementOptions>>(),
                services.GetRequiredService<IActivator>(),
                services.GetRequiredService<ILoggerFactory>())));
            services.Replace(ServiceDescriptor.Singleton<IKeyManager>(static services => services.GetRequiredService<RefreshableKeyManager>()));

            // First of the hosted services, so it listens before Data Protection's own loads (and may create) the first key.
            if (!services.Any(descriptor => descriptor.ServiceType == typeof(IHostedService) && descriptor.ImplementationType == typeof(KeyRingWatch)))
            {
                services.Insert(0, ServiceDescriptor.Singleton<IHostedService, KeyRingWatch>());
            }

            // One application name for every node: the default discriminator is the content root path, so nodes deployed
            // under different paths could not read each other's cookies. An app's own SetApplicationName wins.
            services.AddOptions<DataProtectionOptions>().Configure<RedisConnection>((options, connection) =>
                options.ApplicationDiscriminator ??= connection.Prefix);
        }

        if (given.UseSignalRBackplane)
        {
            services.AddSignalR().AddStackExchangeRedis();
            services.AddOptions<RedisOptions>().Configure<RedisConnection>((options, connection) =>
                options.ConnectionFactory = async _ => SharedMultiplexer.For(await connection.GetSubscribedAsync()));

            // The backplane serves the app's hubs, not Blazor's: AddStackExchangeRedis registers it as the open generic
            // HubLifetimeManager<>, so a circuit's socket would subscribe on Redis as it opens and, while Redis is away, be
            // closed with 1011 before the page is interactive (Blazor does not retry a circuit that failed to start;
            // dotnet/aspnetcore#58971).
            // Circuits are sticky and never talk across nodes, so ComponentHub keeps SignalR's in-memory manager; a closed
            // registration wins over the open generic. ComponentHub is internal: it is found by name, from a public type
            // of its assembly.
            if (typeof(CircuitOptions).Assembly.GetType("Microsoft.AspNetCore.Components.Server.ComponentHub") is { } componentHub)
            {
                services.AddSingleton(
                    typeof(HubLifetimeManager<>).MakeGenericType(componentHub),
                    typeof(DefaultHubLifetimeManager<>).MakeGenericType(componentHub));
            }
        }

        return builder;
    }
}
