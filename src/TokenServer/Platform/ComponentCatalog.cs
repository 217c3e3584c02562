using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Crypto;

namespace TokenCenter.Server.Platform;

/// <summary>A configured component with its secret read and its EncodingAESKeys decoded. Never printed with its secrets.</summary>
internal sealed record ComponentCredentials(string ComponentAppId, string Secret, string Token, byte[] AesKey, byte[]? PreviousAesKey)
{
    public override string ToString() => $"ComponentCredentials {{ ComponentAppId = {ComponentAppId} }}";
}

/// <summary>The configured components (<c>TokenCenter:Components</c>).</summary>
internal sealed class ComponentCatalog
{
    private readonly Dictionary<string, ComponentCredentials> _components = new(StringComparer.Ordinal);

    public ComponentCatalog(IOptions<PlatformOptions> options)
    {
        var list = options.Value.Components;
        for (var i = 0; i < list.Count; i++)
        {
            var c = list[i];
            var path = $"{TokenCenterOptions.SectionName}:Components:{i}";
            var secret = SecretReader.TryRead(new AppOptions { Secret = c.Secret, SecretFile = c.SecretFile }, path, out var problem)
                ?? throw new OptionsValidationException(TokenCenterOptions.SectionName, typeof(PlatformOptions), [problem!]);
            var key = EncodingAesKey.TryDecode(c.EncodingAesKey)
                ?? throw new OptionsValidationException(TokenCenterOptions.SectionName, typeof(PlatformOptions), [$"{path}:EncodingAesKey is malformed"]);
            _components[c.ComponentAppId!] = new ComponentCredentials(c.ComponentAppId!, secret, c.Token!, key, EncodingAesKey.TryDecode(c.PreviousEncodingAesKey));
        }
    }

    public IReadOnlyCollection<ComponentCredentials> All => _components.Values;

    public ComponentCredentials? Find(string componentAppId) => _components.GetValueOrDefault(componentAppId);
}
