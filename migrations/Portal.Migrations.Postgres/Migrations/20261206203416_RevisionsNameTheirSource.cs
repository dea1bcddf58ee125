using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class RevisionsNameTheirSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SourceAuthor",
                table: "Revisions",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SourceBuild",
                table: "Revisions",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourceCommit",
                table: "Revisions",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourceRepository",
                table: "Revisions",
                type: "character varying(2048)",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourceSubject",
                table: "Revisions",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SourceAuthor",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "SourceBuild",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "SourceCommit",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "SourceRepository",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "SourceSubject",
                table: "Revisions");
        }
    }
}
