using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using TokenCenter.Server.Ops.Tests.Support;
using WeChatSimulator;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>The published server as operators start it: another working directory, so no appsettings.json and no log filters from it.</summary>
public sealed partial class LogSecrecyTests
{
    private const string WrongSecret = "wrong-secret-3c5e7a9b1d2f4e6a";

    [Fact]
    public async Task Started_from_another_directory_with_Information_logging_the_server_logs_no_secret_and_no_token()
    {
        var options = new SimulatorOptions();
        options.Apps.Add(new SimulatedApp(TestKeys.App, TestKeys.AppSecret));
        await using var sim = await SimulatorHost.StartAsync(options);
        var directory = Directory.CreateTempSubdirectory("tokencenter-cwd-");
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TokenServer.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["Listeners__Grpc"] = "http://127.0.0.1:0";
        start.Environment["Listeners__Web"] = "http://127.0.0.1:0";
        start.Environment["Simulator__Enabled"] = "false";
        start.Environment["Secrets__Directory"] = Path.Combine(directory.FullName, "no-secrets");
        start.Environment["Auth__Enabled"] = "false";
        start.Environment["TokenCenter__Apps__0__AppId"] = TestKeys.App;
        start.Environment["TokenCenter__Apps__0__Secret"] = TestKeys.AppSecret;
        start.Environment["TokenCenter__Apps__0__Grant"] = "Classic"; // the upstream URL carries the secret too
        start.Environment["TokenCenter__Upstream__BaseUrl"] = sim.BaseAddress.ToString();

        using var process = new Process { StartInfo = start };
        var listening = new List<Uri>();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
                if (Listening().Match(line) is { Success: true } m)
                {
                    listening.Add(new Uri(m.Groups[1].Value));
                }
            }
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string token;
        try
        {
            await Eventually.TrueAsync(() => { lock (output) { return listening.Count >= 2 || process.HasExited; } }, "the server printed its listeners (or exited)", bound: TimeSpan.FromSeconds(30));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var web = await FindWebListenerAsync(http, [.. listening]);
            var query = $"cgi-bin/token?grant_type=client_credential&appid={TestKeys.App}&secret=";
            using var good = await http.GetAsync(new Uri(web, query + TestKeys.AppSecret));
            token = (await good.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["access_token"].ToString()!;
            using var wrong = await http.GetAsync(new Uri(web, query + WrongSecret));
            Assert.Contains("40125", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var stable = await http.PostAsJsonAsync(new Uri(web, "cgi-bin/stable_token"), new { grant_type = "client_credential", appid = TestKeys.App, secret = TestKeys.AppSecret });
            Assert.Equal(HttpStatusCode.OK, stable.StatusCode);
            await Eventually.TrueAsync(() => { lock (output) { return output.ToString().Contains("errcode 40125", StringComparison.Ordinal); } }, "the rejected secret's errcode was logged", bound: TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(cts.Token);
            }

            directory.Delete(recursive: true);
        }

        var log = output.ToString();
        Assert.Contains("Now listening on", log, StringComparison.Ordinal); // Information lines were written
        Assert.DoesNotContain(TestKeys.AppSecret, log, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, log, StringComparison.Ordinal);
        Assert.DoesNotContain("secret=", log, StringComparison.Ordinal);
    }

    private static async Task<Uri> FindWebListenerAsync(HttpClient http, Uri[] addresses)
    {
        foreach (var address in addresses)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "healthz")) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return address;
                }
            }
            catch (HttpRequestException)
            {
                // the gRPC listener speaks HTTP/2 only
            }
        }

        throw new InvalidOperationException($"no web listener among {string.Join(", ", addresses.Select(a => a.ToString()))}");
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
