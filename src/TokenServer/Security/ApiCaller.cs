namespace TokenCenter.Server.Security;

/// <summary>An authenticated caller: the name and permissions of the API key it presented.</summary>
internal sealed record ApiCaller(string Name, IReadOnlySet<string> Apps, bool CanForceRefresh, bool Operator)
{
    /// <summary>Authentication is off: everything is allowed.</summary>
    public static readonly ApiCaller Anonymous = new("anonymous", new HashSet<string> { "*" }, CanForceRefresh: true, Operator: true);

    public bool MayRead(string appId) => Apps.Contains("*") || Apps.Contains(appId);
}
