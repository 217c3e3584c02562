using Grpc.Core;

namespace TokenCenter.Server.Security;

/// <summary>The authenticated caller's name on a call, as the interceptor resolved it (API key name or certificate subject).</summary>
internal static class CallerName
{
    private const string Key = "tokencenter.caller";

    public static void Set(ServerCallContext context, string name) => context.UserState[Key] = name;

    /// <summary>The caller's name, or "anonymous" when authentication is off.</summary>
    public static string Of(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var name) && name is string s ? s : "anonymous";
}
