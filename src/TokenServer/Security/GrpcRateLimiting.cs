using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Grpc.Core;
using TokenCenter.Server.Observability;

namespace TokenCenter.Server.Security;

/// <summary>
/// Per-caller rate limits with ASP.NET Core rate limiting: every gRPC call counts against the caller's
/// RPC window, ForceRefresh also against a stricter one. Partitions are API key names (or the remote IP
/// without a key). A rejection of a gRPC call is a trailers-only RESOURCE_EXHAUSTED, never HTTP 429.
/// The HTTP faces (WeChat-compatible token endpoints, platform callback) opt in with the
/// <see cref="HttpPolicy"/> policy: the same permits per window, in windows of their own, and a plain
/// HTTP 429 with <c>Retry-After</c> (the compatible endpoints: WeChat's JSON shape, see
/// <c>WeChatCompatibleRateLimitAnswer</c>). Health and metrics endpoints are not limited.
/// </summary>
internal static class GrpcRateLimiting
{
    /// <summary>Rate-limiting policy of the HTTP faces (<c>RequireRateLimiting(HttpPolicy)</c>).</summary>
    public const string HttpPolicy = "tokencenter-http";

    private const string ForceRefreshPath = "/tokencenter.v1.TokenCenter/ForceRefresh";

    public static IServiceCollection AddGrpcRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((o, limits) =>
        {
            var l = limits.Value;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            // The HTTP faces' policy is named by their endpoints: registered whether or not limits are on.
            o.AddPolicy(HttpPolicy, http => l.RateLimiting
                ? RateLimitPartition.GetFixedWindowLimiter("http|" + Partition(http), _ => Window(l.RpcPermitLimit, l.RpcWindow))
                : RateLimitPartition.GetNoLimiter(string.Empty));
            if (!l.RateLimiting)
            {
                // No global limiter at all: its partition lookups (a lock each) and chained leases
                // would otherwise run for every gRPC request only to grant a no-op lease.
                return;
            }

            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsLimitedGrpc(http)
                    ? RateLimitPartition.GetFixedWindowLimiter("rpc|" + Partition(http), _ => Window(l.RpcPermitLimit, l.RpcWindow))
                    : RateLimitPartition.GetNoLimiter(string.Empty)),
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsGrpc(http) && http.Request.Path == ForceRefreshPath
                    ? RateLimitPartition.GetFixedWindowLimiter("force|" + Partition(http), _ => Window(l.ForceRefreshPermitLimit, l.ForceRefreshWindow))
                    : RateLimitPartition.GetNoLimiter(string.Empty)));
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static string Partition(HttpContext http) => CallerResolution.Partition(http, http.RequestServices.GetRequiredService<ApiKeyRegistry>());

    private const string HealthService = "/grpc.health.v1.Health";

    // gRPC health is never limited: a health checker behind the same NAT as a busy caller must get an answer.
    private static bool IsLimitedGrpc(HttpContext http) =>
        IsGrpc(http) && !http.Request.Path.StartsWithSegments(HealthService, StringComparison.Ordinal);

    private static bool IsGrpc(HttpContext http) =>
        http.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    private static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var path = http.Request.Path.ToString();
        var services = http.RequestServices;
        var grpc = IsGrpc(http);
        services.GetRequiredService<TokenCenterMetrics>().RateLimited(!grpc ? "http" : path == ForceRefreshPath ? "force_refresh" : "rpc");
        SecurityLog.RateLimited(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrpcRateLimiting).FullName!), Partition(http), path);
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : (TimeSpan?)null;
        if (!grpc)
        {
            // Plain HTTP: 429 (set by RejectionStatusCode) with Retry-After in whole seconds; the
            // WeChat-compatible endpoints answer in WeChat's shape instead.
            var seconds = Math.Max(1, (long)Math.Ceiling((retry ?? TimeSpan.FromSeconds(1)).TotalSeconds));
            if (http.GetEndpoint()?.Metadata.GetMetadata<WeChatCompatible.WeChatCompatibleRateLimitAnswer>() is { } compat)
            {
                return new ValueTask(compat.WriteAsync(http, seconds));
            }

            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            http.Response.ContentType = "text/plain; charset=utf-8";
            return new ValueTask(http.Response.WriteAsync($"rate limit reached for this caller; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s", cancellationToken));
        }

        // Trailers-only: HEADERS with END_STREAM carrying the status (doc/PROTOCOL-HTTP2.md).
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)StatusCode.ResourceExhausted).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = retry is { } r
            ? $"rate limit reached for this caller; retry after {Math.Ceiling(r.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s"
            : "rate limit reached for this caller";
        if (retry is { } delay)
        {
            http.Response.Headers["retry-after-ms"] = ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }
}
