namespace WeChatSimulator;

/// <summary>The outcome of posting one event to a component's callback URL.</summary>
/// <param name="ComponentAppId">The component the event was for.</param>
/// <param name="InfoType"><c>component_verify_ticket</c>, <c>authorized</c>, <c>updateauthorized</c> or <c>unauthorized</c>.</param>
/// <param name="CallbackUrl">Where it was posted (without the query); null when the component has no callback URL (nothing was posted).</param>
/// <param name="StatusCode">The HTTP status of the answer; 0 when nothing was posted or no answer came.</param>
/// <param name="Body">The answer's body (WeChat expects <c>success</c>); empty when there was none.</param>
/// <param name="Error">Why no answer came (connection refused, timeout, ...); null otherwise.</param>
public sealed record PushResult(string ComponentAppId, string InfoType, Uri? CallbackUrl, int StatusCode, string Body, string? Error = null)
{
    /// <summary>True when the callback answered HTTP 200 with the body <c>success</c>, as WeChat requires.</summary>
    public bool Acknowledged => StatusCode == 200 && string.Equals(Body.Trim(), "success", StringComparison.Ordinal);

    /// <summary>The sealed message that was posted (null when nothing was); WeChat redelivers this same message when it is not acknowledged.</summary>
    public WeChatEncryptedMessage? Message { get; init; }
}
