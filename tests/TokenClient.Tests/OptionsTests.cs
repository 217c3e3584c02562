using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokenCenter.Client;

namespace TokenClient.Tests;

public sealed class OptionsTests
{
    [Theory]
    [InlineData(null, "TokenCenterClient:Addresses must list at least one")]
    [InlineData("not a uri", "TokenCenterClient:Addresses:0 'not a uri'")]
    [InlineData("ftp://host:5001", "TokenCenterClient:Addresses:0 'ftp://host:5001'")]
    public void Bad_addresses_are_refused_at_start_naming_the_key(string? address, string expected)
    {
        var services = new ServiceCollection();
        services.AddTokenCenterClient(o => o.Addresses = address is null ? [] : [address]);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ITokenCenterClient>());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_positive_timeouts_are_refused_naming_the_key()
    {
        var services = new ServiceCollection();
        services.AddTokenCenterClient(o =>
        {
            o.Addresses = ["http://127.0.0.1:5001"];
            o.CallTimeout = TimeSpan.Zero;
            o.ReconnectBaseDelay = TimeSpan.FromSeconds(-1);
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ITokenCenterClient>());

        Assert.Contains("TokenCenterClient:CallTimeout must be a positive duration", error.Message, StringComparison.Ordinal);
        Assert.Contains("TokenCenterClient:ReconnectBaseDelay must be a positive duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_bind_from_the_TokenCenterClient_section()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["TokenCenterClient:Addresses:0"] = "http://a:5001",
                ["TokenCenterClient:Addresses:1"] = "http://b:5001",
                ["TokenCenterClient:ApiKey"] = "k",
                ["TokenCenterClient:CallTimeout"] = "00:00:02",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddTokenCenterClient(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TokenCenterClientOptions>>().Value;

        Assert.Equal(["http://a:5001", "http://b:5001"], options.Addresses);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CallTimeout);
        Assert.DoesNotContain("k }", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_key_needs_the_fields_its_kind_requires()
    {
        Assert.Throws<ArgumentException>(() => TokenKey.AccessToken(""));
        Assert.Throws<ArgumentException>(() => TokenKey.AuthorizerAccessToken("", "wx0000000000000002"));
        Assert.Equal(TokenKey.AccessToken("wx0000000000000001"), new TokenKey(TokenKind.AccessToken, "wx0000000000000001"));
        Assert.Equal("wx0000000000000009", TokenKey.ComponentAccessToken("wx0000000000000009").ComponentAppId);
    }
}
