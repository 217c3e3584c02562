using TokenCenter.Protocol.Internal;

namespace TokenCenter.Protocol.Tests;

public sealed class HeaderEncodingTests
{
    [Theory]
    [InlineData("plain ascii")]
    [InlineData("100% sure")]
    [InlineData("令牌已过期: 40001 — réessayez")]
    [InlineData("line\nbreak\ttab")]
    [InlineData("emoji 🔑")]
    public void Grpc_message_percent_encoding_round_trips(string text)
    {
        var encoded = PercentEncoding.Encode(text);

        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(text, PercentEncoding.Decode(encoded));
    }

    [Fact]
    public void Broken_percent_sequences_are_kept_as_they_are()
    {
        Assert.Equal("50%", PercentEncoding.Decode("50%"));
        Assert.Equal("a%zzb", PercentEncoding.Decode("a%zzb"));
    }

    [Theory]
    [InlineData("2H", 2 * 3600_000.0)]
    [InlineData("3M", 180_000.0)]
    [InlineData("5S", 5_000.0)]
    [InlineData("250m", 250.0)]
    [InlineData("1500u", 1.5)]
    [InlineData("2000000n", 2.0)]
    [InlineData("99999999m", 99_999_999.0)]
    public void Grpc_timeout_parses_every_unit(string value, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("123456789S")]
    [InlineData("1.5S")]
    public void Malformed_grpc_timeout_is_rejected(string value)
    {
        Assert.False(GrpcTimeout.TryParse(value, out _));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1_000.0)]
    [InlineData(200_000_000.0)]
    [InlineData(400_000_000_000.0)]
    public void Formatted_timeout_fits_eight_digits_and_parses_back_no_shorter(double milliseconds)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var text = GrpcTimeout.Format(timeout);

        Assert.InRange(text.Length, 2, 9);
        Assert.True(GrpcTimeout.TryParse(text, out var parsed));
        Assert.True(parsed >= timeout);
    }

    [Fact]
    public void Metadata_rejects_reserved_and_mismatched_keys()
    {
        var metadata = new Metadata();
        Assert.Throws<ArgumentException>(() => metadata.Add("grpc-status", "0"));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-bin", "text"));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-data", [1, 2]));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-data", "naïve"));
        metadata.Add("X-Mixed-Case", "v");
        Assert.Equal("x-mixed-case", metadata.Get("x-mixed-case")!.Key);
    }
}
