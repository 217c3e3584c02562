namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// The shared test clock seen from a machine whose wall clock is <paramref name="offset"/> ahead (or
/// behind): replicas never agree on the time to the millisecond. Timers run on the shared clock.
/// </summary>
internal sealed class SkewedClock(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
