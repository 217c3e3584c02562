namespace WeChatSimulator;

/// <summary>An official account / mini program known to the simulator.</summary>
/// <param name="AppId">The app id, by convention <c>wx</c> followed by 16 hex characters.</param>
/// <param name="Secret">The AppSecret that <c>/cgi-bin/token</c> and <c>/cgi-bin/stable_token</c> require.</param>
/// <param name="IsTestAccount">Test accounts get <see cref="SimulatorOptions.TestAccountDailyQuota"/> classic calls a day instead of <see cref="SimulatorOptions.DailyQuota"/>.</param>
public sealed record SimulatedApp(string AppId, string Secret, bool IsTestAccount = false)
{
    /// <summary>Hides the secret: records print every member by default.</summary>
    public override string ToString() => $"SimulatedApp {{ AppId = {AppId}, IsTestAccount = {IsTestAccount} }}";
}
