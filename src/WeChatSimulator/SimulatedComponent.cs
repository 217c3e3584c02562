namespace WeChatSimulator;

/// <summary>A third-party platform (开放平台 第三方平台) known to the simulator.</summary>
/// <param name="ComponentAppId">The component appid.</param>
/// <param name="Secret">The component_appsecret that <c>api_component_token</c> and <c>api_start_push_ticket</c> require.</param>
/// <param name="Token">The message-verification token that signs callbacks (<c>msg_signature</c>).</param>
/// <param name="EncodingAesKey">The 43-character EncodingAESKey that encrypts callbacks.</param>
/// <param name="CallbackUrl">
/// The platform's "authorization event receiving URL" (授权事件接收URL) that tickets and authorization events are
/// posted to; null: nothing is posted (tickets are still generated). Changeable at run time through
/// <see cref="WeChatSim.SetComponentCallback"/>.
/// </param>
public sealed record SimulatedComponent(string ComponentAppId, string Secret, string Token, string EncodingAesKey, Uri? CallbackUrl = null)
{
    /// <summary>Hides the secret, the token and the key: records print every member by default.</summary>
    public override string ToString() => $"SimulatedComponent {{ ComponentAppId = {ComponentAppId}, CallbackUrl = {CallbackUrl} }}";
}
