namespace WeChatSimulator.Tests;

public sealed class ErrorCodeTests
{
    [Theory]
    [InlineData("grant_type=client_credential&appid=wx00000000000000ff&secret=x", 40013, "invalid appid")]
    [InlineData("grant_type=client_credential&appid=wx00000000000000a1&secret=wrong", 40125, "invalid appsecret")]
    [InlineData("grant_type=client_credential&secret=x", 41002, "appid missing")]
    [InlineData("grant_type=client_credential&appid=wx00000000000000a1", 41004, "appsecret missing")]
    [InlineData("grant_type=password&appid=wx00000000000000a1&secret=x", 40002, "invalid grant_type")]
    [InlineData("appid=wx00000000000000a1&secret=x", 40002, "invalid grant_type")]
    public async Task Bad_token_requests_get_WeChat_error_json(string query, int errcode, string message)
    {
        await using var sim = await SimTestContext.StartAsync();

        var json = await sim.GetJsonAsync("cgi-bin/token?" + query);

        Assert.Equal(errcode, json.GetProperty("errcode").GetInt32());
        Assert.Matches($"^{message} rid: [0-9a-f]{{8}}-[0-9a-f]{{8}}-[0-9a-f]{{8}}$", json.GetProperty("errmsg").GetString());
        Assert.False(json.TryGetProperty("access_token", out _));
        Assert.Equal(0, sim.Sim.IssuedTokens(SimTestContext.AppId, "token"));
    }

    [Fact]
    public async Task Errors_are_http_200_with_a_json_content_type()
    {
        await using var sim = await SimTestContext.StartAsync();

        using var response = await sim.Http.GetAsync(new Uri("cgi-bin/token?grant_type=client_credential", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }
}
