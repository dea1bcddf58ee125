using Portal.Domain.Audit;

namespace Portal.Infrastructure.Audit;

/// <summary>Where the actor of a unit of work comes from when nobody set it: the web request, in the portal.</summary>
public interface IActorSource
{
    /// <summary>The actor, or null when this source knows of none (a job, a test).</summary>
    Actor? Find();
}

/// <summary>
/// The actor of one scope, read once: set by a hub call, a job or a test (<see cref="ActAs"/>), or else found by the
/// registered <see cref="IActorSource"/> the first time it is asked for.
/// </summary>
public sealed class CurrentActor(IEnumerable<IActorSource> sources) : ICurrentActor
{
    private Actor? _actor;

    public Actor Actor =>
        _actor ??= sources.Select(source => source.Find()).FirstOrDefault(found => found is not null)
            ?? throw new InvalidOperationException("Nobody acts in this scope: a job or a test sets its actor first.");

    /// <summary>Makes <paramref name="actor"/> the actor of this scope, for everything it does from now on.</summary>
    public CurrentActor ActAs(Actor actor)
    {
        _actor = actor;
        return this;
    }
}
