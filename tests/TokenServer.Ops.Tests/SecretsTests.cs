using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>
/// A full scenario with every log line captured; afterwards no configured secret (app secrets, API
/// keys, the mounted secret file's content) and no issued token value appears in the logs, metrics,
/// status outputs or error messages. Token values appear in logs only as fingerprints. With a component:
/// neither its secret, callback token, EncodingAESKeys, the encryption key nor any authorizer refresh token.
/// </summary>
public sealed class SecretsTests : IDisposable
{
    private readonly string _secrets = Directory.CreateTempSubdirectory("tokencenter-secrets-").FullName;

    [Fact]
    public async Task No_secret_and_no_token_value_leaks_anywhere()
    {
        // The second app's secret comes from a mounted file (/run/secrets style, key-per-file).
        await File.WriteAllTextAsync(Path.Combine(_secrets, "TokenCenter__Apps__1__Secret"), TestKeys.OtherAppSecret + "\n");
        var settings = TestKeys.Standard(withBadApp: true);
        settings.Remove("TokenCenter:Apps:1:Secret");
        settings["Secrets:Directory"] = _secrets;

        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var outputs = new StringBuilder();
        string forcedValue;
        var server = await OpsServerDefaults.StartAsync(settings);
        await using (server)
        {
            var channel = server.Channel;
            var a = await channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey));
            var b = await channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.OtherApp), OpsCalls.As(TestKeys.ForcerKey));
            tokens.Add(a.Value);
            tokens.Add(b.Value);
            var forcedA = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = a.Key, StaleValue = a.Value }, OpsCalls.As(TestKeys.ForcerKey));
            var forcedB = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = b.Key, StaleValue = b.Value }, OpsCalls.As(TestKeys.ForcerKey));
            tokens.Add(forcedA.Value);
            tokens.Add(forcedB.Value);
            forcedValue = forcedA.Value;
            using (var watch = channel.ServerStreaming(TokenCenterMethods.WatchTokens, new WatchTokensRequest { Keys = { a.Key, b.Key } }, OpsCalls.As(TestKeys.ForcerKey)))
            {
                await using var stream = watch.ReadAllAsync().GetAsyncEnumerator();
                Assert.True(await stream.MoveNextAsync());
                tokens.Add(stream.Current.Value);
            }

            async Task Fails(Func<Task> call)
            {
                var ex = await Assert.ThrowsAsync<RpcException>(call);
                outputs.AppendLine(ex.Status.Detail).AppendLine(ex.ToString());
            }

            await Fails(() => channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = forcedA.Key, StaleValue = forcedA.Value }, OpsCalls.As(TestKeys.ForcerKey)));
            await Fails(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.BadApp), OpsCalls.As(TestKeys.ForcerKey)));
            await Fails(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.UnknownKey)));
            await Fails(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.OtherApp), OpsCalls.As(TestKeys.ReaderKey)));
            await Fails(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get("wx0000000000000bad"), OpsCalls.As(TestKeys.ForcerKey)));
            await Fails(() => channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), OpsCalls.As(TestKeys.ReaderKey)));
            var raw = await RawGrpc.SendAsync(server.GrpcAddress, "/tokencenter.v1.TokenCenter/GetToken", RawGrpc.Frame(0, [0x0a, 0xff]), TestKeys.ForcerKey);
            outputs.AppendLine(raw.Message);

            var status = await channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), OpsCalls.As(TestKeys.OperatorKey));
            outputs.AppendLine(JsonFormatter.Default.Format(status));
            outputs.AppendLine(await server.GetTextAsync("/metrics"));
            outputs.AppendLine(await server.GetTextAsync("/status.json"));
            outputs.AppendLine(await server.GetTextAsync("/"));
            outputs.AppendLine(await server.GetTextAsync("/status.js"));
            using (var ready = await server.GetWebAsync("/readyz", key: null))
            {
                outputs.AppendLine(await ready.Content.ReadAsStringAsync());
            }

            using (var denied = await server.GetWebAsync("/metrics", TestKeys.ReaderKey))
            {
                outputs.AppendLine(await denied.Content.ReadAsStringAsync());
            }
        }

        // Logs of TokenCenter and ASP.NET Core (the embedded simulator's own logs are the fake WeChat's, not the server's).
        var logs = string.Join('\n', server.Logs.Entries.Where(e => !e.Contains(" WeChatSimulator", StringComparison.Ordinal)));
        Assert.True(tokens.Count >= 4);
        Assert.Contains(TokenCenter.Server.Ops.Tests.Support.Fingerprints.Of(forcedValue), logs, StringComparison.Ordinal);
        foreach (var secret in TestKeys.Secrets.Concat(tokens))
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"a secret or token value appears in the logs: {Where(logs, secret)}");
            Assert.False(outputs.ToString().Contains(secret, StringComparison.Ordinal), $"a secret or token value appears in an output: {Where(outputs.ToString(), secret)}");
        }
    }

    [Fact]
    public async Task With_a_component_no_EncodingAESKey_component_secret_encryption_key_or_authorizer_refresh_token_leaks_anywhere()
    {
        const string Component = "wx00000000000000c7";
        const string Authorizer = "wx00000000000000a7";
        const string ComponentSecret = "component-secret-3c5e7a9b1d2f4a6c";
        const string VerifyToken = "callback-token-8e1f2a3b4c5d";
        var aesKey = Convert.ToBase64String([.. Enumerable.Range(11, 32).Select(i => (byte)i)]).TrimEnd('=');
        var previousAesKey = Convert.ToBase64String([.. Enumerable.Range(77, 32).Select(i => (byte)i)]).TrimEnd('=');
        var encryptionKey = Convert.ToBase64String([.. Enumerable.Range(151, 32).Select(i => (byte)i)]);
        var settings = TestKeys.Standard();
        settings["TokenCenter:Components:0:ComponentAppId"] = Component;
        settings["TokenCenter:Components:0:Secret"] = ComponentSecret;
        settings["TokenCenter:Components:0:Token"] = VerifyToken;
        settings["TokenCenter:Components:0:EncodingAesKey"] = aesKey;
        settings["TokenCenter:Components:0:PreviousEncodingAesKey"] = previousAesKey;
        settings["TokenCenter:Encryption:Keys:0:Id"] = "k1";
        settings["TokenCenter:Encryption:Keys:0:Key"] = encryptionKey;
        settings["TokenCenter:Encryption:ActiveKeyId"] = "k1";

        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var outputs = new StringBuilder();
        var server = await OpsServerDefaults.StartAsync(settings);
        await using (server)
        {
            var channel = server.Channel;
            var componentKey = new TokenKey { Kind = TokenKind.ComponentAccessToken, ComponentAppId = Component };
            var authorizerKey = new TokenKey { Kind = TokenKind.AuthorizerAccessToken, ComponentAppId = Component, AppId = Authorizer };

            // The embedded simulator pushed a component_verify_ticket to the callback once listening.
            var componentToken = await EventuallyAsync(() => channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = componentKey }, OpsCalls.As(TestKeys.ForcerKey)));
            tokens.Add(componentToken.Value);
            var push = server.App.Services.GetRequiredService<WeChatSimulator.SimulatorPushDriver>();
            await push.AuthorizeAsync(Component, Authorizer);
            var authorizerToken = await EventuallyAsync(() => channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = authorizerKey }, OpsCalls.As(TestKeys.ForcerKey)));
            tokens.Add(authorizerToken.Value);
            var forced = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = authorizerKey, StaleValue = authorizerToken.Value }, OpsCalls.As(TestKeys.ForcerKey));
            tokens.Add(forced.Value);
            var authorizers = await channel.UnaryAsync(TokenCenterMethods.ListAuthorizers, new ListAuthorizersRequest { ComponentAppId = Component }, OpsCalls.As(TestKeys.ForcerKey));
            Assert.Contains(authorizers.Authorizers, a => a.AppId == Authorizer); // its refresh token was received and stored
            outputs.AppendLine(JsonFormatter.Default.Format(authorizers));
            var preAuth = await channel.UnaryAsync(TokenCenterMethods.CreatePreAuthCode, new CreatePreAuthCodeRequest { ComponentAppId = Component, RedirectUri = "https://example.com/authorized" }, OpsCalls.As(TestKeys.ForcerKey));
            outputs.AppendLine(JsonFormatter.Default.Format(preAuth));

            // Refused callbacks (bad signature, garbage) and refused calls: their error messages are scanned too.
            using (var bad = await server.Web.PostAsync(new Uri($"wechat/callback/{Component}?timestamp=1&nonce=2&msg_signature=00", UriKind.Relative), new StringContent("<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>")))
            {
                outputs.AppendLine(await bad.Content.ReadAsStringAsync());
            }

            var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = new TokenKey { Kind = TokenKind.AuthorizerAccessToken, ComponentAppId = Component, AppId = "wx00000000000000a8" } }, OpsCalls.As(TestKeys.ForcerKey)));
            outputs.AppendLine(ex.Status.Detail).AppendLine(ex.ToString());

            var status = await channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), OpsCalls.As(TestKeys.OperatorKey));
            outputs.AppendLine(JsonFormatter.Default.Format(status));
            outputs.AppendLine(await server.GetTextAsync("/metrics"));
            outputs.AppendLine(await server.GetTextAsync("/status.json"));
            outputs.AppendLine(await server.GetTextAsync("/"));
            using (var ready = await server.GetWebAsync("/readyz", key: null))
            {
                outputs.AppendLine(await ready.Content.ReadAsStringAsync());
            }
        }

        var logs = string.Join('\n', server.Logs.Entries.Where(e => !e.Contains(" WeChatSimulator", StringComparison.Ordinal)));
        Assert.Contains(Component, logs, StringComparison.Ordinal); // the scenario did reach the platform code
        var secrets = new[] { ComponentSecret, VerifyToken, aesKey, previousAesKey, encryptionKey, "refreshtoken@@@" }.Concat(TestKeys.Secrets).Concat(tokens);
        foreach (var secret in secrets)
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"a secret or token value appears in the logs: {Where(logs, secret)}");
            Assert.False(outputs.ToString().Contains(secret, StringComparison.Ordinal), $"a secret or token value appears in an output: {Where(outputs.ToString(), secret)}");
        }
    }

    public void Dispose() => Directory.Delete(_secrets, recursive: true);

    /// <summary>Retries a call refused as UNAVAILABLE (e.g. before the first ticket arrived, or in its backoff), bounded.</summary>
    private static async Task<Token> EventuallyAsync(Func<Task<Token>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when ((e.StatusCode is StatusCode.Unavailable or StatusCode.NotFound) && attempt < 200)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string Where(string text, string secret)
    {
        var i = text.IndexOf(secret, StringComparison.Ordinal);
        var start = Math.Max(0, i - 120);
        return text[start..Math.Min(text.Length, i + 20)].Replace(secret, "<HERE>", StringComparison.Ordinal);
    }
}
