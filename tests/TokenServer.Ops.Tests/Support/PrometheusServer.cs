using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenCenter.Testing;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>) on loopback, scraping one target every second with
/// an operator API key, with its HTTP API for queries. Tests never skip: a missing binary fails them
/// with a message saying how to install it.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _log;

    private PrometheusServer(Process process, string dir, StringBuilder log, Uri address)
    {
        _process = process;
        _dir = dir;
        _log = log;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) at <paramref name="metricsPath"/> with a bearer key.</summary>
    public static async Task<PrometheusServer> StartAsync(Uri target, string metricsPath, string bearer)
    {
        var dir = Directory.CreateTempSubdirectory("tokencenter-prometheus-").FullName;
        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: tokencenter
                metrics_path: {metricsPath}
                authorization:
                  credentials: {bearer}
                static_configs:
                  - targets: ['{target.Authority}']
            """);

        // Prometheus cannot bind port 0 and report it: start it on a candidate port, again on another
        // one if that port was taken meanwhile.
        for (var attempt = 1; ; attempt++)
        {
            var port = ChildProcessPort.Candidate();
            var log = new StringBuilder();
            var info = new ProcessStartInfo("prometheus") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(dir, "data-" + attempt), $"--web.listen-address=127.0.0.1:{port}", "--log.level=info" })
            {
                info.ArgumentList.Add(a);
            }

            Process process;
            try
            {
                process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException("prometheus was not found on PATH. Install it (Debian: apt-get install prometheus).", ex);
            }

            void Append(object _, DataReceivedEventArgs e)
            {
                if (e.Data is not null)
                {
                    lock (log)
                    {
                        log.AppendLine(e.Data);
                    }
                }
            }

            process.OutputDataReceived += Append;
            process.ErrorDataReceived += Append;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new PrometheusServer(process, dir, log, new Uri($"http://127.0.0.1:{port}/"));
            if (await server.WaitReadyAsync())
            {
                return server;
            }

            string text;
            lock (log)
            {
                text = log.ToString();
            }

            await server.StopProcessAsync();
            if (attempt >= 5 || !text.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                Directory.Delete(dir, recursive: true);
                throw new InvalidOperationException("prometheus did not become ready:\n" + text);
            }
        }
    }

    /// <summary>Runs an instant query and returns the result vector (each element: metric labels and value).</summary>
    public async Task<JsonElement[]> QueryAsync(string promql)
    {
        var doc = await Http.GetFromJsonAsync<JsonElement>("api/v1/query?query=" + Uri.EscapeDataString(promql));
        Assert.Equal("success", doc.GetProperty("status").GetString());
        return [.. doc.GetProperty("data").GetProperty("result").EnumerateArray()];
    }

    /// <summary>The metadata Prometheus recorded from the exposition: metric family name → type.</summary>
    public async Task<Dictionary<string, string>> MetadataAsync()
    {
        var doc = await Http.GetFromJsonAsync<JsonElement>("api/v1/metadata");
        return doc.GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => p.Value[0].GetProperty("type").GetString()!);
    }

    /// <summary>The scrape target's health and last error as Prometheus saw them.</summary>
    public async Task<(string Health, string LastError)> TargetAsync()
    {
        var doc = await Http.GetFromJsonAsync<JsonElement>("api/v1/targets");
        var active = doc.GetProperty("data").GetProperty("activeTargets");
        if (active.GetArrayLength() == 0)
        {
            return ("none", string.Empty);
        }

        return (active[0].GetProperty("health").GetString()!, active[0].GetProperty("lastError").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopProcessAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300 && !_process.HasExited; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Address, "-/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }

    private async Task StopProcessAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
