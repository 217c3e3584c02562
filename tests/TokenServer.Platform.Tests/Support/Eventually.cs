namespace TokenServer.Platform.Tests.Support;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> (real time) until true or the timeout.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"timed out waiting for {what}");
    }
}
