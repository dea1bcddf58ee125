namespace Portal.Infrastructure.Common;

/// <summary>
/// One page of a server-side paged list, with the total where counting is cheap; where it is not, the total counts up
/// to a bound past this page and <see cref="TotalIsFloor"/> says there are more than that.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Number, int Size, int Total)
{
    public bool TotalIsFloor { get; init; }

    public int PageCount => Total == 0 ? 1 : (Total + Size - 1) / Size;
    public bool HasPrevious => Number > 1;
    public bool HasNext => Number < PageCount;
}

public sealed record PageRequest
{
    public const int DefaultSize = 25;
    public const int MaxSize = 200;

    public int Number { get; }
    public int Size { get; }

    public PageRequest(int? number, int? size)
    {
        Number = Math.Max(1, number ?? 1);
        Size = Math.Clamp(size ?? DefaultSize, 1, MaxSize);
    }

    public int Skip => (Number - 1) * Size;
}
