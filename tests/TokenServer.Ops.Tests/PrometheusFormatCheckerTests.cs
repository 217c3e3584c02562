using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>The checker itself: it accepts a valid exposition and rejects each kind of violation.</summary>
public sealed class PrometheusFormatCheckerTests
{
    private const string Valid =
        "# HELP a_total A counter with \\\\ and \\n escapes.\n# TYPE a_total counter\na_total{x=\"q\\\"uote\\\\\\n\"} 3\n" +
        "# HELP h A histogram.\n# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 4.5\nh_count 3\n" +
        "# TYPE g gauge\ng NaN\n";

    [Fact]
    public void Accepts_a_valid_exposition()
    {
        var samples = PrometheusFormatChecker.Parse(Valid);
        Assert.Equal("q\"uote\\\n", samples[0].Labels["x"]);
    }

    [Theory]
    [InlineData("a_total 1\n", "no TYPE")]
    [InlineData("# TYPE a counter\na 1\n", "_total")]
    [InlineData("# TYPE a_total counter\na_total 1\na_total 2\n", "duplicate series")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf")]
    [InlineData("# TYPE g gauge\ng{x=\"a\nb\"} 1\n", "not a valid sample")]
    [InlineData("# TYPE g gauge\ng one\n", "not a float")]
    [InlineData("# TYPE g gauge\ng 1", "line feed")]
    [InlineData("# TYPE g gauge\ng 1\n# TYPE g gauge\n", "second TYPE")]
    [InlineData("# TYPE g gauge\ng 1\n# TYPE f gauge\nf 1\ng{a=\"1\"} 2\n", "not contiguous")]
    [InlineData("# HELP g bad \\x escape\n# TYPE g gauge\ng 1\n", "invalid escape")]
    [InlineData("# TYPE 1g gauge\n", "malformed")]
    public void Rejects_a_violation(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => PrometheusFormatChecker.Parse(text));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
