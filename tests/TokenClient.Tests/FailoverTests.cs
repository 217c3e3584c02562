using TokenCenter.Client;
using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed class FailoverTests
{
    [Fact]
    public async Task Calls_are_spread_round_robin_over_the_servers()
    {
        await using var center = await Center.StartAsync();
        await using var second = await center.StartServerAsync();
        await using var client = center.CreateClient(null, center.Server.GrpcAddress, second.GrpcAddress);
        var key = TokenKey.AccessToken(Center.AppId);

        // A compare-and-refresh with a value that is not current is an idempotent read: it never calls WeChat.
        for (var i = 0; i < 10; i++)
        {
            await client.Client.ForceRefreshAsync(key, "not-the-current-value");
        }

        Assert.Equal(5, center.Server.CallsTo("ForceRefresh"));
        Assert.Equal(5, second.CallsTo("ForceRefresh"));
    }

    [Fact]
    public async Task Calls_fail_over_to_the_server_that_answers_when_one_is_stopped()
    {
        await using var center = await Center.StartAsync();
        await using var second = await center.StartServerAsync();
        await using var client = center.CreateClient(null, center.Server.GrpcAddress, second.GrpcAddress);
        var key = TokenKey.AccessToken(Center.AppId);
        await center.StopServerAsync();

        var first = await client.Client.GetAccessTokenAsync(Center.AppId);
        for (var i = 0; i < 10; i++)
        {
            var token = await client.Client.ForceRefreshAsync(key, "not-the-current-value");
            Assert.Equal(first, token.Value);
        }

        Assert.Equal(10, second.CallsTo("ForceRefresh"));
        await Eventually.TrueAsync(() => client.IsPushLive, "the push stream found the live server");
    }
}
