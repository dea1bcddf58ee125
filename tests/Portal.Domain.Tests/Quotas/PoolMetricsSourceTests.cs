using Portal.Domain.Quotas;

namespace Portal.Domain.Tests.Quotas;

/// <summary>Where a pool's usage is read from: metrics.k8s.io unless an admin names a Prometheus.</summary>
public sealed class PoolMetricsSourceTests
{
    private static ResourcePool Pool() =>
        ResourcePool.Create("bj-prod", null, Guid.NewGuid(), null, "bj", 1m, 1m, DateTime.UtcNow).Value;

    [Fact]
    public void A_new_pool_reads_metrics_k8s_io()
    {
        Assert.Equal("", Pool().PrometheusUrl);
    }

    [Theory]
    [InlineData("http://prometheus.monitoring:9090", "http://prometheus.monitoring:9090")]
    [InlineData("https://metrics.example.com/prometheus/", "https://metrics.example.com/prometheus")]
    [InlineData("  http://10.0.0.7:9090  ", "http://10.0.0.7:9090")]
    public void A_prometheus_address_is_kept_without_its_trailing_slash(string given, string kept)
    {
        var pool = Pool();

        var used = pool.UseMetricsFrom(given);

        Assert.True(used.Succeeded, used.Problem?.Message);
        Assert.Equal(kept, pool.PrometheusUrl);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Nothing_given_goes_back_to_metrics_k8s_io(string? given)
    {
        var pool = Pool();
        pool.UseMetricsFrom("http://prometheus:9090");

        var used = pool.UseMetricsFrom(given);

        Assert.True(used.Succeeded, used.Problem?.Message);
        Assert.Equal("", pool.PrometheusUrl);
    }

    [Theory]
    [InlineData("prometheus:9090")]
    [InlineData("/api/v1/query")]
    [InlineData("ftp://prometheus:9090")]
    [InlineData("http://admin:secret@prometheus:9090")]
    [InlineData("http://prometheus:9090/?tenant=a")]
    [InlineData("http://prometheus:9090/#graph")]
    [InlineData("not a url")]
    public void Anything_but_a_plain_http_address_is_refused_on_the_field_and_changes_nothing(string given)
    {
        var pool = Pool();
        pool.UseMetricsFrom("http://prometheus:9090");

        var used = pool.UseMetricsFrom(given);

        Assert.False(used.Succeeded);
        Assert.Equal("PrometheusUrl", used.Problem!.Field);
        Assert.Contains("http or https", used.Problem.Message);
        Assert.Equal("http://prometheus:9090", pool.PrometheusUrl);
    }

    [Fact]
    public void An_address_longer_than_the_column_is_refused()
    {
        var pool = Pool();

        var used = pool.UseMetricsFrom("http://prometheus/" + new string('a', ResourcePool.PrometheusUrlMaxLength));

        Assert.False(used.Succeeded);
        Assert.Equal("", pool.PrometheusUrl);
    }
}
