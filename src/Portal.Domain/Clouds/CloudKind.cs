namespace Portal.Domain.Clouds;

/// <summary>Where a provider account's machines come from. The values are stored, so they never change.</summary>
public enum CloudKind
{
    Aws = 1,
    Alibaba = 2,
    Huawei = 3,
    OpenStack = 4,
    VSphere = 5,
    BareMetal = 6,
}
