using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Client;
using TokenClient.Tests.Infrastructure;
using WeChatSimulator;

namespace TokenClient.Tests;

public sealed class HandlerTests
{
    [Fact]
    public async Task A_rejected_token_is_refreshed_once_and_the_call_retried_with_the_new_one()
    {
        await using var center = await Center.StartAsync();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(center.Clock);
        services.AddTokenCenterClient(o =>
        {
            o.Addresses = [center.Server.GrpcAddress.ToString()];
            o.CallTimeout = TimeSpan.FromSeconds(60); // a hang guard, as in Center.CreateClient
        });
        services.AddHttpClient("wechat", http => http.BaseAddress = center.Sim.BaseAddress).AddWeChatAccessToken(Center.AppId);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<ITokenCenterClient>();
        var used = await client.GetAccessTokenAsync(Center.AppId);
        // Someone forces a new token at WeChat behind the center's back: the cached one now answers 40001.
        using var raw = new HttpClient { BaseAddress = center.Sim.BaseAddress };
        using var forced = await raw.PostAsJsonAsync("cgi-bin/stable_token", new { grant_type = "client_credential", appid = Center.AppId, secret = Center.Secret, force_refresh = true });
        Assert.Null(center.Sim.Sim.ValidateAccessToken(used, out var rejected));
        Assert.Equal(40001, rejected);
        var businessCalls = center.Sim.Sim.Calls(Center.AppId, WeChatSim.ApiDomainIpEndpoint);

        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("wechat");
        using var response = await http.GetAsync("cgi-bin/get_api_domain_ip");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.True(json.RootElement.TryGetProperty("ip_list", out _), json.RootElement.ToString());
        Assert.Equal(1, center.Server.CallsTo("ForceRefresh"));
        Assert.Equal(businessCalls + 2, center.Sim.Sim.Calls(Center.AppId, WeChatSim.ApiDomainIpEndpoint)); // the call and one retry
        Assert.NotEqual(used, await client.GetAccessTokenAsync(Center.AppId));
    }

    [Fact]
    public async Task A_second_rejection_after_the_retry_is_returned_to_the_caller_not_retried()
    {
        await using var center = await Center.StartAsync(relaxedQuotas: true);
        await using var api = await FakeWeChatApi.StartAsync();
        await using var client = center.CreateClient();
        using var http = HttpClientFor(client, api);

        using var response = await http.GetAsync("always/40001");

        Assert.Equal(40001, await ErrCodeAsync(response));
        Assert.Equal(2, api.Requests.Count);
        Assert.Equal(1, center.Server.CallsTo("ForceRefresh"));
        var tokens = api.Requests.Select(r => r.AccessToken).ToArray();
        Assert.NotEqual(tokens[0], tokens[1]);
    }

    [Theory]
    [InlineData(48001)]
    [InlineData(61007)]
    [InlineData(45009)]
    public async Task Other_errcodes_pass_through_untouched(int errcode)
    {
        await using var center = await Center.StartAsync();
        await using var api = await FakeWeChatApi.StartAsync();
        await using var client = center.CreateClient();
        using var http = HttpClientFor(client, api);

        using var response = await http.GetAsync($"always/{errcode}?lang=zh_CN");

        Assert.Equal(errcode, await ErrCodeAsync(response));
        Assert.Single(api.Requests);
        Assert.Equal(0, center.Server.CallsTo("ForceRefresh"));
        Assert.Equal("application/json; encoding=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task A_post_json_body_is_resent_intact()
    {
        await using var center = await Center.StartAsync(relaxedQuotas: true);
        await using var api = await FakeWeChatApi.StartAsync();
        await using var client = center.CreateClient();
        using var http = HttpClientFor(client, api);

        using var response = await http.PostAsJsonAsync("once/40001", new { touser = "OPENID", msgtype = "text", text = new { content = "你好" } });

        Assert.Equal(0, await ErrCodeAsync(response));
        var requests = api.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].ContentType, requests[1].ContentType);
        Assert.Contains("\"touser\":\"OPENID\"", Encoding.UTF8.GetString(requests[1].Body), StringComparison.Ordinal);
        Assert.NotEqual(requests[0].AccessToken, requests[1].AccessToken);
    }

    [Fact]
    public async Task A_multipart_upload_is_resent_intact()
    {
        await using var center = await Center.StartAsync(relaxedQuotas: true);
        await using var api = await FakeWeChatApi.StartAsync();
        await using var client = center.CreateClient();
        using var http = HttpClientFor(client, api);
        var image = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7)).ToArray();
        using var form = new MultipartFormDataContent
        {
            { new StreamContent(new ForwardOnlyStream(image)), "media", "photo.jpg" },
        };

        using var response = await http.PostAsync("once/40001?type=image", form);

        Assert.Equal(0, await ErrCodeAsync(response));
        var requests = api.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.StartsWith("multipart/form-data; boundary=", requests[1].ContentType, StringComparison.Ordinal);
        Assert.Equal(requests[0].ContentType, requests[1].ContentType);
        Assert.True(requests[1].Body.Length > image.Length);
    }

    private static HttpClient HttpClientFor(TestClient client, FakeWeChatApi api) =>
        new(new WeChatAccessTokenHandler(client.Client, TokenKey.AccessToken(Center.AppId)) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = api.BaseAddress,
        };

    private static async Task<int> ErrCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errcode").GetInt32();
    }

    /// <summary>A stream that can be read once and cannot seek, like a network upload source.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
