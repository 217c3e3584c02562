namespace TokenCenter.Server.Platform.Callback;

/// <summary>Remembers the nonces of accepted callbacks for the replay window, so a replayed message is refused.</summary>
internal interface IReplayGuard
{
    /// <summary>True the first time (component, nonce, signature) is seen within <paramref name="window"/>; false for a replay.</summary>
    Task<bool> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken);
}
