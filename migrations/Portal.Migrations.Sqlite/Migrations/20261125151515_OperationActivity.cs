using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class OperationActivity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "LastActivityAt",
                table: "Operations",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            // Operations saved before this column existed last moved when they ended, or when they were made.
            migrationBuilder.Sql("UPDATE \"Operations\" SET \"LastActivityAt\" = COALESCE(\"FinishedAt\", \"CreatedAt\")");

            migrationBuilder.CreateIndex(
                name: "IX_Operations_State_LastActivityAt",
                table: "Operations",
                columns: new[] { "State", "LastActivityAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Operations_State_LastActivityAt",
                table: "Operations");

            migrationBuilder.DropColumn(
                name: "LastActivityAt",
                table: "Operations");
        }
    }
}
