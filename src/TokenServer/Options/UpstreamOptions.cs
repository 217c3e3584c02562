namespace TokenCenter.Server.Options;

/// <summary>How WeChat is called (<c>TokenCenter:Upstream</c>).</summary>
public sealed class UpstreamOptions
{
    /// <summary>Base URL of WeChat's API. Default <c>https://api.weixin.qq.com</c>.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.weixin.qq.com");

    /// <summary>Timeout of one HTTP attempt, for every WeChat endpoint. Default 5 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Retries after a transient failure (errcode -1, HTTP 5xx, timeout, transport error), for every WeChat endpoint
    /// (token, stable_token, getticket, the component and authorizer APIs). Default 3. Never applied to stable_token's
    /// <c>force_refresh=true</c> (the engine asks normal mode instead) nor to the token probe.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Base of the exponential backoff (with jitter) between retries. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
