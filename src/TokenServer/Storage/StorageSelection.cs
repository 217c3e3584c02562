using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Storage;

/// <summary>
/// Which backend holds the state replicas share: in memory (one replica), or Redis when the Redis part is added
/// (<c>AddRedis</c>, or <c>Redis:Configuration</c> set). The Redis part says so by registering
/// <see cref="UseRedis"/> (an <see cref="IConfigureOptions{TOptions}"/>); each storage seam is registered once, by the
/// part that owns it, as a choice between its two implementations made when first resolved
/// (<see cref="TryAddStorageSeam"/>). So the Redis part wins over the in-memory defaults whichever is registered first,
/// and nothing is removed or replaced.
/// </summary>
internal sealed class StorageSelection
{
    /// <summary>Whether the Redis part was added.</summary>
    public bool Redis { get; set; }

    /// <summary>Registered (once) by the Redis part.</summary>
    internal sealed class UseRedis : IConfigureOptions<StorageSelection>
    {
        public void Configure(StorageSelection options) => options.Redis = true;
    }

    /// <summary>
    /// Registers <typeparamref name="TService"/> (unless registered before: a test's own instance wins) as
    /// <typeparamref name="TRedis"/> when the Redis part was added, else <typeparamref name="TMemory"/> (registered here).
    /// <typeparamref name="TRedis"/> is registered by the Redis part.
    /// </summary>
    public static void TryAddStorageSeam<TService, TMemory, TRedis>(IServiceCollection services)
        where TService : class
        where TMemory : class, TService
        where TRedis : class, TService
    {
        services.TryAddSingleton<TMemory>();
        services.TryAddSingleton<TService>(Select<TService, TMemory, TRedis>);
    }

    private static TService Select<TService, TMemory, TRedis>(IServiceProvider services)
        where TService : class
        where TMemory : class, TService
        where TRedis : class, TService =>
        services.GetRequiredService<IOptions<StorageSelection>>().Value.Redis
            ? services.GetRequiredService<TRedis>()
            : services.GetRequiredService<TMemory>();
}
