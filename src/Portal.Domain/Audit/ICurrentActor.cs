namespace Portal.Domain.Audit;

/// <summary>
/// Who acts in the current unit of work: the caller of a request or of a hub method, or whom a job acts for. Use cases
/// read it instead of taking an actor from their callers.
/// </summary>
public interface ICurrentActor
{
    Actor Actor { get; }
}
