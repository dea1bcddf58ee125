namespace Portal.Infrastructure.Monitoring;

/// <summary>The recurring monitoring work: each minute a sampling, then the alert rules on the fresh samples.</summary>
public sealed class MonitoringJobs(MetricsSampler sampler, AlertEvaluator evaluator)
{
    public async Task SampleAndEvaluateAsync(CancellationToken ct)
    {
        await sampler.SampleAsync(ct);
        await evaluator.EvaluateAsync(ct);
    }
}
