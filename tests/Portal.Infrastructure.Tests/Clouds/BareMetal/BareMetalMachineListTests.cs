using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.BareMetal;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

public sealed class BareMetalMachineListTests
{
    [Fact]
    public void Each_line_is_an_address_with_an_optional_port_and_name()
    {
        var machines = BareMetalMachine.ParseList(
            "# rack 1\r\n10.0.0.5\n  Node-2.Example.com:2222   # second node \n\n[fd00::5]:2200 # v6\nfd00::6\n"
        );

        Assert.Equal(
            [
                new BareMetalMachine("10.0.0.5", 22, null),
                new BareMetalMachine("node-2.example.com", 2222, "second node"),
                new BareMetalMachine("fd00::5", 2200, "v6"),
                new BareMetalMachine("fd00::6", 22, null),
            ],
            machines
        );
        Assert.Equal(
            ["10.0.0.5:22", "node-2.example.com:2222", "[fd00::5]:2200", "[fd00::6]:22"],
            machines.Select(m => m.Address)
        );
    }

    [Theory]
    [InlineData("10.0.0.5:ssh", 1)]
    [InlineData("10.0.0.5\n10.0.0.6:70000", 2)]
    [InlineData("root@10.0.0.5", 1)]
    [InlineData("[fd00::5", 1)]
    public void A_line_that_is_not_an_address_is_refused_with_its_number(string text, int line)
    {
        var refusal = Assert.Throws<CloudRefusal>(() => BareMetalMachine.ParseList(text));

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.StartsWith($"Machines, line {line}: ", refusal.Message);
    }

    [Fact]
    public void A_machine_listed_twice_is_refused()
    {
        var refusal = Assert.Throws<CloudRefusal>(() => BareMetalMachine.ParseList("10.0.0.5\n10.0.0.5:22 # again"));

        Assert.Equal("Machines, line 2: 10.0.0.5:22 is listed twice", refusal.Message);
    }

    [Fact]
    public void A_claim_marker_reads_back_as_written()
    {
        var spec = BareMetalAccounts.Spec("host-a") with { Name = "gpu-1 = big" };
        var at = new DateTimeOffset(2026, 12, 7, 4, 30, 0, TimeSpan.Zero);

        var read = ClaimMarker.Parse(ClaimMarker.For(spec, at).Render());

        Assert.Equal("gpu-1 = big", read.Name);
        Assert.Equal(at, read.ClaimedAt);
        Assert.Equal("host-a", read.HostTag);
        Assert.True(read.ManagedByPortal);
        Assert.Equal("gpu-pool", read.Tags[CloudTags.Pool]);
    }

    [Fact]
    public void A_tag_spanning_lines_is_refused_so_that_it_cannot_forge_marker_lines()
    {
        var spec = BareMetalAccounts.Spec("host-a\ntag.portal-host=host-b");

        var refusal = Assert.Throws<CloudRefusal>(() => ClaimMarker.For(spec, DateTimeOffset.UnixEpoch));

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
    }
}
