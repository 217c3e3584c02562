namespace TokenCenter.Server;

/// <summary>Tags of the ASP.NET Core health checks.</summary>
public static class HealthTags
{
    /// <summary>Checks that decide readiness (/readyz and grpc.health.v1).</summary>
    public const string Ready = "ready";
}
