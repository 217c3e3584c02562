using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// Keeps query strings out of the logs whatever the configuration: ASP.NET Core's request log
/// (<c>Microsoft.AspNetCore.Hosting.Diagnostics</c>, "Request starting GET /cgi-bin/token?…&amp;secret=…")
/// prints the full query at Information, and the classic WeChat-compatible endpoint carries the AppSecret
/// there. The rule is added after every configured one, for every provider named in them, so neither
/// <c>Logging:LogLevel</c> nor a provider's own section (nor a missing appsettings.json) can lower it.
/// </summary>
internal static class RequestLogFilter
{
    public const string Category = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static IServiceCollection AddRequestLogFilter(this IServiceCollection services) =>
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            var providers = options.Rules.Select(r => r.ProviderName).Where(p => p is not null).Distinct(StringComparer.Ordinal).ToList();
            options.Rules.Add(new LoggerFilterRule(null, Category, LogLevel.Warning, null));
            foreach (var provider in providers)
            {
                options.Rules.Add(new LoggerFilterRule(provider, Category, LogLevel.Warning, null));
            }
        });
}
