namespace TokenServer.Tests.Support;

/// <summary>Waits (in real time, bounded) for background work triggered by a clock advance to settle. Not a timing assertion.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 2000; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(5);
        }

        Assert.Fail($"timed out waiting until {what}");
    }
}
