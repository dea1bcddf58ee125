using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Clusters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Clusters",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ApiServer = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    ProtectedKubeconfig = table.Column<string>(type: "text", nullable: false),
                    RegisteredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RegisteredBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Health = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    KubernetesVersion = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    LastContactAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastCheckedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Clusters", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Hosts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClusterId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Addresses = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Roles = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Labels = table.Column<string>(type: "text", nullable: false),
                    Taints = table.Column<string>(type: "text", nullable: false),
                    Conditions = table.Column<string>(type: "text", nullable: false),
                    Ready = table.Column<bool>(type: "boolean", nullable: false),
                    Unschedulable = table.Column<bool>(type: "boolean", nullable: false),
                    Pressures = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CpuCapacityMillis = table.Column<long>(type: "bigint", nullable: false),
                    MemoryCapacityBytes = table.Column<long>(type: "bigint", nullable: false),
                    PodCapacity = table.Column<long>(type: "bigint", nullable: false),
                    EphemeralStorageBytes = table.Column<long>(type: "bigint", nullable: false),
                    CpuAllocatableMillis = table.Column<long>(type: "bigint", nullable: false),
                    MemoryAllocatableBytes = table.Column<long>(type: "bigint", nullable: false),
                    PodAllocatable = table.Column<long>(type: "bigint", nullable: false),
                    CpuRequestedMillis = table.Column<long>(type: "bigint", nullable: false),
                    MemoryRequestedBytes = table.Column<long>(type: "bigint", nullable: false),
                    PodCount = table.Column<int>(type: "integer", nullable: false),
                    CpuUsageMillis = table.Column<long>(type: "bigint", nullable: true),
                    MemoryUsageBytes = table.Column<long>(type: "bigint", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ObservedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Hosts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Hosts_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_Name",
                table: "Clusters",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_CpuRequestedMillis",
                table: "Hosts",
                columns: new[] { "ClusterId", "CpuRequestedMillis" });

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_MemoryRequestedBytes",
                table: "Hosts",
                columns: new[] { "ClusterId", "MemoryRequestedBytes" });

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_Name",
                table: "Hosts",
                columns: new[] { "ClusterId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_PodCount",
                table: "Hosts",
                columns: new[] { "ClusterId", "PodCount" });

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_Ready_Name",
                table: "Hosts",
                columns: new[] { "ClusterId", "Ready", "Name" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Hosts");

            migrationBuilder.DropTable(
                name: "Clusters");
        }
    }
}
