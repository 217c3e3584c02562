namespace TokenCenter.Client.Internal;

/// <summary>Exponential backoff with jitter ("equal jitter": half fixed, half random).</summary>
internal static class Backoff
{
    /// <summary>The delay before attempt number <paramref name="failures"/> (1 = after the first failure).</summary>
    public static TimeSpan Delay(int failures, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(failures - 1, 20);
        var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * (1L << exponent));
        var half = ceiling / 2;
        return TimeSpan.FromTicks(half + (long)(random.NextDouble() * (ceiling - half)));
    }
}
