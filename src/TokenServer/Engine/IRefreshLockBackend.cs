namespace TokenCenter.Server.Engine;

/// <summary>
/// The refresh lock of the storage backend, as it comes: <see cref="InProcessLock"/>, or RedLock.net over Redis. The
/// engine and the platform take <see cref="IDistributedLock"/>, which is <c>InstrumentedLock</c> over this one (counts
/// acquisitions, releases the leases held at shutdown): instrumentation is a registration of its own, not a rewrite
/// of the lock's.
/// </summary>
public interface IRefreshLockBackend : IDistributedLock;
