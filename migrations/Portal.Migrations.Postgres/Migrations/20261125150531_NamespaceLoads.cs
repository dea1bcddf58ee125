using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class NamespaceLoads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "NamespaceLoads",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClusterId = table.Column<Guid>(type: "uuid", nullable: false),
                    Namespace = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    CpuRequestedMillis = table.Column<long>(type: "bigint", nullable: false),
                    CpuLimitMillis = table.Column<long>(type: "bigint", nullable: false),
                    MemoryRequestedBytes = table.Column<long>(type: "bigint", nullable: false),
                    MemoryLimitBytes = table.Column<long>(type: "bigint", nullable: false),
                    Pods = table.Column<int>(type: "integer", nullable: false),
                    CpuUsageMillis = table.Column<long>(type: "bigint", nullable: true),
                    MemoryUsageBytes = table.Column<long>(type: "bigint", nullable: true),
                    ObservedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NamespaceLoads", x => x.Id);
                    table.ForeignKey(
                        name: "FK_NamespaceLoads_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_NamespaceLoads_ClusterId_Namespace",
                table: "NamespaceLoads",
                columns: new[] { "ClusterId", "Namespace" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "NamespaceLoads");
        }
    }
}
