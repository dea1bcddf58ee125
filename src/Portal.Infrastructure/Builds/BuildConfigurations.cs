using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Applications;
using Portal.Domain.Builds;

namespace Portal.Infrastructure.Builds;

internal sealed class AppSourceConfiguration : IEntityTypeConfiguration<AppSource>
{
    /// <summary>The model's name of the sealed credential, which the entity keeps in a field no reader sees.</summary>
    public const string SealedCredential = "_sealedCredential";

    public void Configure(EntityTypeBuilder<AppSource> source)
    {
        source.ToTable("AppSources");
        source.Property(s => s.RepositoryUrl).HasMaxLength(GitRepositoryUrl.MaxLength).IsRequired();
        source.Property(s => s.Ref).HasMaxLength(GitRefName.MaxLength).IsRequired();
        source.Property(s => s.SubDirectory).HasMaxLength(SourceSubDirectory.MaxLength).IsRequired();
        source.Property(s => s.CredentialKind).HasConversion<string>().HasMaxLength(20);
        source.Property<string>(SealedCredential).HasColumnName("SealedCredential").IsRequired();
        source.Property(s => s.KnownHosts).IsRequired();
        source.Property(s => s.CheckedCommit).HasMaxLength(AppSource.MaxCommitLength);
        source.Ignore(s => s.HasCredential);
        source.Ignore(s => s.Address);
        source.HasOne<Application>().WithMany().HasForeignKey(s => s.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        // One source per application, found by it.
        source.HasIndex(s => s.ApplicationId).IsUnique();
    }
}
