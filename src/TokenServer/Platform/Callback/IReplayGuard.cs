namespace TokenCenter.Server.Platform.Callback;

/// <summary>
/// Remembers the nonces of accepted callbacks for the replay window, so a replayed message is refused. Callers pass
/// the signature as lowercase hex (WeChat's form), so a message with its signature re-cased is the same message.
/// </summary>
internal interface IReplayGuard
{
    /// <summary>True the first time (component, nonce, signature) is seen within <paramref name="window"/>; false for a replay.</summary>
    Task<bool> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets a message remembered by <see cref="TryRememberAsync"/> whose handling failed (answered non-success),
    /// so WeChat's redelivery of that same message is accepted.
    /// </summary>
    Task ForgetAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken);
}
