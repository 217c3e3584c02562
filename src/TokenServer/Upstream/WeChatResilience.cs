using System.Net.Http;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// Builds the Polly pipeline around one WeChat token call: retry with exponential backoff and jitter on
/// errcode -1, HTTP 5xx, timeouts and transport errors (never on any other errcode, never for a call marked
/// <see cref="SingleAttempt"/> such as stable_token's <c>force_refresh=true</c>), and a timeout per
/// attempt. Delays and timeouts are network time, so the pipeline runs on the system clock even when
/// token lifetimes run on a test clock (a simulated hour passing must not time out an HTTP call in flight).
/// </summary>
internal static class WeChatResilience
{
    public static ResiliencePipeline<UpstreamTokenResult> Build(IOptions<TokenCenterOptions> options, TimeProvider time, ILogger logger)
    {
        var upstream = options.Value.Upstream;
        var builder = new ResiliencePipelineBuilder<UpstreamTokenResult> { TimeProvider = time };
        if (upstream.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<UpstreamTokenResult>
            {
                MaxRetryAttempts = upstream.MaxRetries,
                Delay = upstream.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    !args.Context.Properties.GetValue(SingleAttempt, false) && IsTransient(args.Outcome, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    var (endpoint, appId) = args.Context.Properties.GetValue(CallInfo, ("token", "?"));
                    UpstreamLog.Retrying(logger, endpoint, appId, args.AttemptNumber + 1, args.RetryDelay, Describe(args.Outcome));
                    return default;
                },
            });
        }

        builder.AddTimeout(upstream.Timeout);
        return builder.Build();
    }

    /// <summary>Set to true for a call that must not be retried (a forced stable_token call).</summary>
    public static readonly ResiliencePropertyKey<bool> SingleAttempt = new("tokencenter.wechat-single-attempt");

    /// <summary>Endpoint and app id of the call, for retry logs.</summary>
    public static readonly ResiliencePropertyKey<(string Endpoint, string AppId)> CallInfo = new("tokencenter.wechat-call");

    private static bool IsTransient(Outcome<UpstreamTokenResult> outcome, CancellationToken cancellationToken) => outcome.Exception switch
    {
        null => outcome.Result is { ErrCode: -1 },
        TransientUpstreamException e => e.IsTransient,
        HttpRequestException or TimeoutRejectedException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>A description of a failed outcome that never contains the request URL or a secret.</summary>
    public static string Describe(Outcome<UpstreamTokenResult> outcome) => outcome.Exception is { } ex
        ? DescribeException(ex)
        : $"errcode {outcome.Result?.ErrCode}: {outcome.Result?.ErrMsg}";

    public static string DescribeException(Exception ex) => ex switch
    {
        TransientUpstreamException t => t.Message,
        TimeoutRejectedException t => $"no answer within {t.Timeout}",
        HttpRequestException h => $"transport error ({h.HttpRequestError})",
        JsonException => "malformed JSON answer",
        OperationCanceledException => "no answer (request timed out)",
        _ => ex.GetType().Name,
    };
}
