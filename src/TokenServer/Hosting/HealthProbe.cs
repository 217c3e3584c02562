namespace TokenCenter.Server.Hosting;

/// <summary>
/// <c>TokenServer --probe [url]</c>: GETs the URL (default http://127.0.0.1:5000/healthz) and exits 0
/// on a 2xx answer, 1 otherwise. The container HEALTHCHECK uses it: the runtime image has no curl.
/// </summary>
internal static class HealthProbe
{
    public static bool IsProbe(string[] args) => args.Length > 0 && args[0] == "--probe";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : "http://127.0.0.1:5000/healthz";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(new Uri(url)).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"{url}: {(int)response.StatusCode}").ConfigureAwait(false);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"{url}: {ex.GetType().Name}").ConfigureAwait(false);
            return 1;
        }
    }
}
