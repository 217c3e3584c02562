using System.Text.Json;
using TokenCenter.Client;

namespace BusinessService;

/// <summary>Calls a WeChat business API a few times through the token-adding HttpClient and reports what happened.</summary>
internal sealed partial class DomainIpReport(IHttpClientFactory http, ITokenCenterClient tokens, IConfiguration configuration, ILogger<DomainIpReport> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var appId = configuration["WeChat:AppId"]!;
        var calls = configuration.GetValue("WeChat:Calls", 3);
        var client = http.CreateClient(WeChatApiRegistration.HttpClientName);
        try
        {
            var token = await tokens.GetTokenAsync(TokenKey.AccessToken(appId), cancellationToken);
            LogToken(logger, appId, token.Fingerprint, token.Version, token.ExpiresAt);
            for (var i = 1; i <= calls; i++)
            {
                using var response = await client.GetAsync("cgi-bin/get_api_domain_ip", cancellationToken);
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                if (json.RootElement.TryGetProperty("errcode", out var errcode) && errcode.GetInt32() != 0)
                {
                    LogWeChatError(logger, i, errcode.GetInt32(), json.RootElement.GetProperty("errmsg").GetString());
                    return 1;
                }

                LogAnswer(logger, i, json.RootElement.GetProperty("ip_list").GetArrayLength());
            }

            return 0;
        }
        catch (TokenCenterException ex)
        {
            LogTokenCenterDown(logger, ex.StatusCode.ToString(), ex.Message);
            return 2;
        }
        catch (HttpRequestException ex)
        {
            LogWeChatUnreachable(logger, ex.Message);
            return 2;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Token of {AppId} from TokenCenter: {Fingerprint} (version {Version}, expires {ExpiresAt:O})")]
    private static partial void LogToken(ILogger logger, string appId, string fingerprint, long version, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Call {Call}: get_api_domain_ip answered {Count} address ranges")]
    private static partial void LogAnswer(ILogger logger, int call, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Call {Call}: WeChat answered errcode {ErrCode}: {ErrMsg}")]
    private static partial void LogWeChatError(ILogger logger, int call, int errCode, string? errMsg);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "TokenCenter could not serve a token ({StatusCode}): {Message}. Is the server running (dotnet run --project src/TokenServer)?")]
    private static partial void LogTokenCenterDown(ILogger logger, string statusCode, string message);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "WeChat API unreachable: {Message}")]
    private static partial void LogWeChatUnreachable(ILogger logger, string message);
}
