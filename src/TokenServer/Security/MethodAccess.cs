namespace TokenCenter.Server.Security;

/// <summary>What a gRPC method requires of its caller.</summary>
internal enum MethodAccess
{
    /// <summary>No key needed (grpc.health.v1).</summary>
    Open,

    /// <summary>A key allowed for the apps named in the request.</summary>
    Token,

    /// <summary>As <see cref="Token"/>, and <c>CanForceRefresh</c>.</summary>
    ForceRefresh,

    /// <summary>An operator key.</summary>
    Operator,
}
