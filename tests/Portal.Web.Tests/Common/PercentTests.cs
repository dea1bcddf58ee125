using Portal.Web.Common;

namespace Portal.Web.Tests.Common;

/// <summary>
/// How pages write a share as a percentage: whole numbers, never "0%" for something nor "100%" for less than all.
/// </summary>
public sealed class PercentTests
{
    [Theory]
    [InlineData(0, 1000, "0%")]
    [InlineData(1, 1000, "<1%")]
    [InlineData(335, 1000, "34%")]
    [InlineData(2, 3, "67%")]
    [InlineData(996, 1000, ">99%")]
    [InlineData(1000, 1000, "100%")]
    [InlineData(1500, 1000, "150%")]
    [InlineData(5, 0, "—")]
    public void A_share_is_written_rounded_sensibly(long part, long whole, string text) =>
        Assert.Equal(text, Percent.Text(part, whole));

    [Fact]
    public void A_bar_is_filled_to_at_most_all_and_warns_from_three_quarters()
    {
        Assert.Equal(100, Percent.Bar(Percent.Of(1500, 1000)));
        Assert.Equal(0, Percent.Bar(null));
        Assert.Equal("", Percent.Level(Percent.Of(740, 1000)));
        Assert.Equal("usage-warn", Percent.Level(Percent.Of(750, 1000)));
        Assert.Equal("usage-high", Percent.Level(Percent.Of(900, 1000)));
        Assert.Equal("", Percent.Level(null));
    }
}
