using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Quotas;

namespace Portal.Web.Quotas;

public sealed class CreatePoolForm
{
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Cluster { get; set; }
    public string? NodeSelector { get; set; }
    public string? Region { get; set; }

    /// <summary>Null when left blank (no overcommit: 1) or unreadable, which the model state tells apart.</summary>
    public decimal? CpuOvercommit { get; set; } = 1m;
    public decimal? MemoryOvercommit { get; set; } = 1m;
    public bool Dedicated { get; set; }

    /// <summary>The pool asked for; a ratio left blank is 1.</summary>
    public CreatePool ToCreatePool() =>
        new(Name, DisplayName, Cluster, NodeSelector, Region, CpuOvercommit ?? 1m, MemoryOvercommit ?? 1m, Dedicated);
}

/// <summary>Amounts as people type them: "8", "500m", "32Gi"; every one is needed, 0 for none.</summary>
public abstract class AmountsForm
{
    public string? CpuRequests { get; set; }
    public string? CpuLimits { get; set; }
    public string? MemoryRequests { get; set; }
    public string? MemoryLimits { get; set; }
    public string? Storage { get; set; }
    public string? Pods { get; set; }

    /// <summary>Fills the fields with amounts as a form field holds them, read back exactly.</summary>
    protected TForm Filled<TForm>(ResourceAmounts amounts)
        where TForm : AmountsForm
    {
        CpuRequests = AmountText.CpuInput(amounts.CpuRequestMillis);
        CpuLimits = AmountText.CpuInput(amounts.CpuLimitMillis);
        MemoryRequests = AmountText.BytesInput(amounts.MemoryRequestBytes);
        MemoryLimits = AmountText.BytesInput(amounts.MemoryLimitBytes);
        Storage = AmountText.BytesInput(amounts.StorageBytes);
        Pods = AmountText.CountInput(amounts.Pods);
        return (TForm)this;
    }
}

/// <summary>A tenant's quota in a pool: the amounts and its middleware instances.</summary>
public sealed class QuotaForm : AmountsForm
{
    public string? Tenant { get; set; }
    public string? MiddlewareInstances { get; set; }

    /// <summary>The tenant's current grant, for the form that changes it.</summary>
    public static QuotaForm From(string tenant, ResourceAmounts granted)
    {
        var form = new QuotaForm
        {
            Tenant = tenant,
            MiddlewareInstances = AmountText.CountInput(granted.MiddlewareInstances),
        };
        return form.Filled<QuotaForm>(granted);
    }

    public Result<ResourceAmounts> ToAmounts() =>
        ResourceAmounts.Parse(CpuRequests, CpuLimits, MemoryRequests, MemoryLimits, Storage, Pods, MiddlewareInstances);
}

/// <summary>An environment's share of its tenant's quota; middleware instances are no part of it.</summary>
public sealed class ShareForm : AmountsForm
{
    /// <summary>The environment's current share, for the form that changes it.</summary>
    public static ShareForm From(ResourceAmounts share) => new ShareForm().Filled<ShareForm>(share);

    public Result<ResourceAmounts> ToAmounts() =>
        ResourceAmounts.ParseShare(CpuRequests, CpuLimits, MemoryRequests, MemoryLimits, Storage, Pods);
}

public static class AmountText
{
    public static string Cpu(long millis) => Quantity.FormatCpu(millis);

    public static string Bytes(long bytes) => Quantity.FormatBytes(bytes);

    /// <summary>CPU as a form field holds it, read back exactly: "2", "500m".</summary>
    public static string CpuInput(long millis) => Infrastructure.Applications.ApplicationManifests.Cpu(millis);

    /// <summary>Bytes as a form field holds them, read back exactly: "32Gi", "1500M".</summary>
    public static string BytesInput(long bytes) => Infrastructure.Applications.ApplicationManifests.Bytes(bytes);

    public static string CountInput(long count) => count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One bar of a quota page: a part of a whole, labelled, with both figures written out.</summary>
/// <remarks>
/// A part that was not measured (usage before its first sample) is said so and draws no bar: unknown is not zero.
/// </remarks>
public sealed record UsageMeter(
    string Label,
    long Part,
    long Whole,
    string PartText,
    string WholeText,
    bool Measured = true
)
{
    public const string NotMeasured = "not measured yet";

    public static UsageMeter Cpu(string label, long? part, long whole) =>
        part is { } value
            ? new(label, value, whole, AmountText.Cpu(value), AmountText.Cpu(whole))
            : new(label, 0, whole, NotMeasured, AmountText.Cpu(whole), Measured: false);

    public static UsageMeter Bytes(string label, long? part, long whole) =>
        part is { } value
            ? new(label, value, whole, AmountText.Bytes(value), AmountText.Bytes(whole))
            : new(label, 0, whole, NotMeasured, AmountText.Bytes(whole), Measured: false);

    public static UsageMeter Count(string label, long part, long whole) =>
        new(
            label,
            part,
            whole,
            part.ToString(System.Globalization.CultureInfo.InvariantCulture),
            whole.ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
}
