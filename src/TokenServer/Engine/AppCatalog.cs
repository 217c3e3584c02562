using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Engine;

/// <summary>The configured apps with their secrets resolved (from configuration or a secret file).</summary>
internal sealed class AppCatalog
{
    private readonly Dictionary<string, AppCredentials> _apps = new(StringComparer.Ordinal);

    public AppCatalog(IOptions<TokenCenterOptions> options)
    {
        var apps = options.Value.Apps;
        for (var i = 0; i < apps.Count; i++)
        {
            var app = apps[i];
            var secret = SecretReader.TryRead(app, $"{TokenCenterOptions.SectionName}:Apps:{i}", out var problem)
                ?? throw new OptionsValidationException(TokenCenterOptions.SectionName, typeof(TokenCenterOptions), [problem!]);
            AccessTokenGrants.TryParse(app.Grant, out var grant);
            _apps[app.AppId!] = new AppCredentials(app.AppId!, secret, grant);
        }
    }

    public IReadOnlyCollection<AppCredentials> All => _apps.Values;

    public AppCredentials? Find(string appId) => _apps.GetValueOrDefault(appId);
}
