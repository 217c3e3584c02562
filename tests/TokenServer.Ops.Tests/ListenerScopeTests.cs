using System.Net;
using System.Net.Http.Headers;
using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>
/// Each listener serves only its own faces: gRPC and gRPC health on the gRPC port; health, metrics,
/// status page, WeChat-compatible endpoints, the platform callback and the simulator on the web port;
/// the operator faces on the admin port. Everything else is 404 there (matched on the bound port).
/// </summary>
public sealed class ListenerScopeTests
{
    private static readonly string[] WebOnly = ["healthz", "readyz", "cgi-bin/token?grant_type=client_credential&appid=wx0000000000000001&secret=x", "_simulator/cgi-bin/token", "wechat/callback/wx00000000000000c0?timestamp=1&nonce=2&signature=3"];
    private static readonly string[] Operator = ["", "status.json", "metrics"];
    private const string GetToken = "tokencenter.v1.TokenCenter/GetToken";

    [Fact]
    public async Task The_gRPC_port_serves_gRPC_and_health_and_nothing_of_the_web_or_admin_faces()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard(), admin: true);
        var token = await server.GetTokenAsync(TestKeys.App);
        Assert.Equal(TestKeys.App, token.Key.AppId);
        var health = await server.Channel.UnaryAsync(HealthMethods.Check, new global::Grpc.Health.V1.HealthCheckRequest(), OpsCalls.As(null));
        Assert.NotEqual(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Unknown, health.Status);

        using var h2c = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var path in WebOnly.Concat(Operator))
        {
            using var request = new HttpRequestMessage(MethodOf(path), new Uri(server.GrpcAddress, path)) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.OperatorKey);
            using var response = await h2c.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"/{path} on the gRPC port answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_web_port_serves_its_faces_and_no_gRPC()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard(), admin: true);
        foreach (var path in new[] { "healthz", "readyz", "metrics", "status.json", "" })
        {
            using var response = await server.GetWebAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/{path} on the web port answered {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.NotFound, await PostGrpcAsync(server.WebAddress));
    }

    [Fact]
    public async Task The_admin_port_serves_the_operator_faces_only()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard(), admin: true);
        foreach (var path in Operator)
        {
            using var response = await server.GetWebAsync(path, key: null, baseAddress: server.AdminAddress);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{path} on the admin port answered {(int)response.StatusCode}");
        }

        using var http = new HttpClient();
        foreach (var path in WebOnly)
        {
            using var response = await http.SendAsync(new HttpRequestMessage(MethodOf(path), new Uri(server.AdminAddress!, path)));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"/{path} on the admin port answered {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.NotFound, await PostGrpcAsync(server.AdminAddress!));
    }

    // The platform callback is a POST; every other face here a GET.
    private static HttpMethod MethodOf(string path) => path.StartsWith("wechat/callback/", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get;

    // A gRPC-shaped POST over HTTP/1.1 (what a plaintext HTTP/1.1 listener can receive).
    private static async Task<HttpStatusCode> PostGrpcAsync(Uri address)
    {
        using var http = new HttpClient();
        using var content = new ByteArrayContent(RawGrpc.Message(OpsCalls.Get(TestKeys.App)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/grpc");
        using var response = await http.PostAsync(new Uri(address, GetToken), content);
        return response.StatusCode;
    }
}
