-- revision: 0038
-- Written by `python -m grunt_archive.schema_file`.
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE api_drift (
	table_name VARCHAR NOT NULL, 
	field VARCHAR NOT NULL, 
	first_seen_at VARCHAR NOT NULL, 
	last_seen_at VARCHAR NOT NULL, 
	example_match_id VARCHAR, 
	occurrences INTEGER NOT NULL, 
	CONSTRAINT pk_api_drift PRIMARY KEY (table_name, field)
);
CREATE TABLE pending_matches (
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR, 
	start_time VARCHAR, 
	reason VARCHAR, 
	attempts INTEGER NOT NULL, 
	first_seen_at VARCHAR NOT NULL, 
	last_attempt_at VARCHAR, given_up_at VARCHAR, given_up_reason VARCHAR, 
	CONSTRAINT pk_pending_matches PRIMARY KEY (match_id)
);
CREATE TABLE players (
	player_id VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	is_bot BOOLEAN NOT NULL, gamertag_updated_at VARCHAR, 
	CONSTRAINT pk_players PRIMARY KEY (player_id)
);
CREATE TABLE raw_responses (
	id INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	path VARCHAR NOT NULL, 
	fetched_at VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, encoding VARCHAR DEFAULT 'identity' NOT NULL, 
	CONSTRAINT pk_raw_responses PRIMARY KEY (id)
);
CREATE TABLE tracked_players (
	player_id VARCHAR NOT NULL, 
	added_at VARCHAR NOT NULL, 
	history_complete BOOLEAN NOT NULL, 
	newest_start_time VARCHAR, 
	oldest_start_time VARCHAR, 
	backfill_offset INTEGER NOT NULL, 
	last_synced_at VARCHAR, 
	CONSTRAINT pk_tracked_players PRIMARY KEY (player_id), 
	CONSTRAINT fk_tracked_players_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE medals (
	medal_id INTEGER NOT NULL, 
	name VARCHAR, 
	description VARCHAR, 
	difficulty VARCHAR, 
	difficulty_index INTEGER, 
	type VARCHAR, 
	type_index INTEGER, 
	personal_score INTEGER, 
	sorting_weight INTEGER, 
	sprite_index INTEGER, 
	CONSTRAINT pk_medals PRIMARY KEY (medal_id)
);
CREATE TABLE pending_enrichment (
	kind VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	reason VARCHAR, 
	attempts INTEGER NOT NULL, 
	first_seen_at VARCHAR NOT NULL, 
	last_attempt_at VARCHAR, 
	CONSTRAINT pk_pending_enrichment PRIMARY KEY (kind, "key")
);
CREATE TABLE seasons (
	season_id VARCHAR NOT NULL, 
	name VARCHAR, 
	kind VARCHAR, 
	start_time VARCHAR, 
	end_time VARCHAR, 
	csr_season_id VARCHAR, 
	operation_track_path VARCHAR, 
	CONSTRAINT pk_seasons PRIMARY KEY (season_id)
);
CREATE TABLE asset_stats_snapshots (
	asset_id VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	asset_kind VARCHAR NOT NULL, 
	version_id VARCHAR, 
	plays_recent INTEGER, 
	plays_all_time INTEGER, 
	favorites INTEGER, 
	likes INTEGER, 
	bookmarks INTEGER, 
	parent_asset_count INTEGER, 
	average_rating FLOAT, 
	number_of_ratings INTEGER, 
	content_hash VARCHAR NOT NULL, 
	CONSTRAINT pk_asset_stats_snapshots PRIMARY KEY (asset_id, taken_at)
);
CREATE TABLE snapshot_checks (
	kind VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	checked_at VARCHAR NOT NULL, 
	CONSTRAINT pk_snapshot_checks PRIMARY KEY (kind, "key")
);
CREATE TABLE csr_snapshots (
	player_id VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	result_code INTEGER, 
	current_csr INTEGER, 
	current_tier VARCHAR, 
	current_sub_tier INTEGER, 
	current_tier_start INTEGER, 
	current_next_tier VARCHAR, 
	current_next_sub_tier INTEGER, 
	current_next_tier_start INTEGER, 
	current_measurement_matches_remaining INTEGER, 
	current_initial_measurement_matches INTEGER, 
	season_max_csr INTEGER, 
	season_max_tier VARCHAR, 
	season_max_sub_tier INTEGER, 
	season_max_tier_start INTEGER, 
	season_max_next_tier VARCHAR, 
	season_max_next_sub_tier INTEGER, 
	season_max_next_tier_start INTEGER, 
	season_max_measurement_matches_remaining INTEGER, 
	season_max_initial_measurement_matches INTEGER, 
	all_time_max_csr INTEGER, 
	all_time_max_tier VARCHAR, 
	all_time_max_sub_tier INTEGER, 
	all_time_max_tier_start INTEGER, 
	all_time_max_next_tier VARCHAR, 
	all_time_max_next_sub_tier INTEGER, 
	all_time_max_next_tier_start INTEGER, 
	all_time_max_measurement_matches_remaining INTEGER, 
	all_time_max_initial_measurement_matches INTEGER, 
	content_hash VARCHAR NOT NULL, 
	CONSTRAINT pk_csr_snapshots PRIMARY KEY (player_id, playlist_asset_id, taken_at), 
	CONSTRAINT fk_csr_snapshots_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_bomb_stats (
	bomb_carriers_killed INTEGER, 
	bomb_defusals INTEGER, 
	bomb_defusers_killed INTEGER, 
	bomb_detonations INTEGER, 
	bomb_pick_ups INTEGER, 
	bomb_plants INTEGER, 
	bomb_returns INTEGER, 
	kills_as_bomb_carrier INTEGER, 
	time_as_bomb_carrier_seconds FLOAT, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_bomb_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_bomb_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_capture_the_flag_stats (
	flag_capture_assists INTEGER, 
	flag_captures INTEGER, 
	flag_carriers_killed INTEGER, 
	flag_grabs INTEGER, 
	flag_returners_killed INTEGER, 
	flag_returns INTEGER, 
	flag_secures INTEGER, 
	flag_steals INTEGER, 
	kills_as_flag_carrier INTEGER, 
	kills_as_flag_returner INTEGER, 
	time_as_flag_carrier_seconds FLOAT, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_capture_the_flag_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_capture_the_flag_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_elimination_stats (
	allies_revived INTEGER, 
	elimination_assists INTEGER, 
	eliminations INTEGER, 
	enemy_revives_denied INTEGER, 
	executions INTEGER, 
	kills_as_last_player_standing INTEGER, 
	last_players_standing_killed INTEGER, 
	rounds_survived INTEGER, 
	times_revived_by_ally INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_elimination_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_elimination_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_extraction_stats (
	extraction_conversions_completed INTEGER, 
	extraction_conversions_denied INTEGER, 
	extraction_initiations_completed INTEGER, 
	extraction_initiations_denied INTEGER, 
	successful_extractions INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_extraction_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_extraction_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_infection_stats (
	alphas_killed INTEGER, 
	spartans_infected INTEGER, 
	spartans_infected_as_alpha INTEGER, 
	kills_as_last_spartan_standing INTEGER, 
	last_spartans_standing_infected INTEGER, 
	rounds_as_alpha INTEGER, 
	rounds_as_last_spartan_standing INTEGER, 
	rounds_finished_as_infected INTEGER, 
	rounds_survived_as_spartan INTEGER, 
	rounds_survived_as_last_spartan_standing INTEGER, 
	time_as_last_spartan_standing_seconds FLOAT, 
	infected_killed INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_infection_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_infection_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_oddball_stats (
	kills_as_skull_carrier INTEGER, 
	longest_time_as_skull_carrier_seconds FLOAT, 
	skull_carriers_killed INTEGER, 
	skull_grabs INTEGER, 
	time_as_skull_carrier_seconds FLOAT, 
	skull_scoring_ticks INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_oddball_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_oddball_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_pve_stats (
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	marine_kills INTEGER, 
	grunt_kills INTEGER, 
	jackal_kills INTEGER, 
	elite_kills INTEGER, 
	brute_kills INTEGER, 
	hunter_kills INTEGER, 
	skimmer_kills INTEGER, 
	sentinel_kills INTEGER, 
	boss_kills INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_pve_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_pve_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_pvp_stats (
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_pvp_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_pvp_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_stockpile_stats (
	kills_as_power_seed_carrier INTEGER, 
	power_seeds_deposited INTEGER, 
	power_seeds_stolen INTEGER, 
	power_seed_carriers_killed INTEGER, 
	time_as_power_seed_carrier_seconds FLOAT, 
	time_as_power_seed_driver_seconds FLOAT, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_stockpile_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_stockpile_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_vip_stats (
	kills_as_vip INTEGER, 
	longest_time_as_vip_seconds FLOAT, 
	max_killing_spree_as_vip INTEGER, 
	time_as_vip_seconds FLOAT, 
	times_selected_as_vip INTEGER, 
	vip_assists INTEGER, 
	vip_kills INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_vip_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_vip_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE service_record_zones_stats (
	zone_captures INTEGER, 
	zone_defensive_kills INTEGER, 
	zone_offensive_kills INTEGER, 
	zone_secures INTEGER, 
	total_zone_occupation_time_seconds FLOAT, 
	zone_scoring_ticks INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_zones_stats PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_zones_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE VIRTUAL TABLE players_fts USING fts5(
    gamertag,
    content="players",
    tokenize="unicode61 remove_diacritics 2"
);
CREATE VIRTUAL TABLE assets_fts USING fts5(
    public_name, description,
    content="assets",
    tokenize="unicode61 remove_diacritics 2"
);
CREATE TABLE player_encounters (
	gamertag VARCHAR, 
	other_gamertag VARCHAR, 
	relation VARCHAR NOT NULL, 
	matches INTEGER NOT NULL, 
	wins INTEGER, 
	win_rate FLOAT, 
	their_kills INTEGER, 
	their_deaths INTEGER, 
	last_played VARCHAR, 
	player_id VARCHAR NOT NULL, 
	other_player_id VARCHAR NOT NULL, 
	CONSTRAINT pk_player_encounters PRIMARY KEY (player_id, other_player_id, relation), 
	CONSTRAINT fk_player_encounters_other_player_id_players FOREIGN KEY(other_player_id) REFERENCES players (player_id), 
	CONSTRAINT fk_player_encounters_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE player_matches (
	start_time VARCHAR NOT NULL, 
	day VARCHAR, 
	gamertag VARCHAR, 
	playlist VARCHAR, 
	map VARCHAR, 
	mode VARCHAR, 
	outcome VARCHAR, 
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kd FLOAT, 
	kda FLOAT, 
	accuracy FLOAT, 
	damage_dealt INTEGER, 
	damage_taken INTEGER, 
	personal_score INTEGER, 
	headshot_kills INTEGER, 
	pre_match_csr INTEGER, 
	post_match_csr INTEGER, 
	csr_change INTEGER, 
	post_match_tier VARCHAR, 
	expected_kills FLOAT, 
	expected_deaths FLOAT, 
	season VARCHAR, 
	time_played_seconds FLOAT, 
	duration_seconds FLOAT, 
	lifecycle_mode INTEGER, 
	team_id INTEGER NOT NULL, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR, 
	playlist_version_id VARCHAR, 
	map_asset_id VARCHAR, 
	map_version_id VARCHAR, 
	game_variant_asset_id VARCHAR, 
	game_variant_version_id VARCHAR, 
	season_id VARCHAR, shots_fired INTEGER, shots_hit INTEGER, teams_played INTEGER DEFAULT '1' NOT NULL, 
	CONSTRAINT pk_player_matches PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_player_matches_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_player_matches_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE "assets" (
	asset_id VARCHAR NOT NULL, 
	version_id VARCHAR NOT NULL, 
	asset_kind VARCHAR NOT NULL, 
	public_name VARCHAR, 
	description VARCHAR, 
	tags VARCHAR, 
	map_asset_id VARCHAR, 
	map_version_id VARCHAR, 
	game_variant_asset_id VARCHAR, 
	game_variant_version_id VARCHAR, 
	engine_game_variant_asset_id VARCHAR, 
	engine_game_variant_version_id VARCHAR, 
	fetched_at VARCHAR, 
	CONSTRAINT pk_assets PRIMARY KEY (asset_id, version_id)
);
CREATE TABLE "service_record_medals" (
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	medal_id INTEGER NOT NULL, 
	count INTEGER, 
	total_personal_score_awarded INTEGER, 
	CONSTRAINT pk_service_record_medals PRIMARY KEY (player_id, scope, taken_at, medal_id), 
	CONSTRAINT fk_service_record_medals_medal_id_medals FOREIGN KEY(medal_id) REFERENCES medals (medal_id), 
	CONSTRAINT fk_service_record_medals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE "player_medal_totals" (
	gamertag VARCHAR, 
	medal VARCHAR, 
	difficulty VARCHAR, 
	type VARCHAR, 
	total INTEGER, 
	matches_awarded INTEGER NOT NULL, 
	personal_score INTEGER, 
	player_id VARCHAR NOT NULL, 
	medal_id INTEGER NOT NULL, 
	CONSTRAINT pk_player_medal_totals PRIMARY KEY (player_id, medal_id), 
	CONSTRAINT fk_player_medal_totals_medal_id_medals FOREIGN KEY(medal_id) REFERENCES medals (medal_id), 
	CONSTRAINT fk_player_medal_totals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE "matches" (
	match_id VARCHAR NOT NULL, 
	start_time VARCHAR NOT NULL, 
	end_time VARCHAR, 
	duration_seconds FLOAT, 
	lifecycle_mode INTEGER, 
	game_variant_category INTEGER, 
	level_id VARCHAR, 
	map_asset_id VARCHAR, 
	map_version_id VARCHAR, 
	game_variant_asset_id VARCHAR, 
	game_variant_version_id VARCHAR, 
	playlist_asset_id VARCHAR, 
	playlist_version_id VARCHAR, 
	map_mode_pair_asset_id VARCHAR, 
	map_mode_pair_version_id VARCHAR, 
	clearance_id VARCHAR, 
	playlist_experience INTEGER, 
	season_id VARCHAR, 
	playable_duration_seconds FLOAT, 
	teams_enabled BOOLEAN, 
	team_scoring_enabled BOOLEAN, 
	gameplay_interaction INTEGER, free_for_all BOOLEAN DEFAULT 0 NOT NULL, player_count INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_matches PRIMARY KEY (match_id), 
	CONSTRAINT fk_matches_game_variant_asset_id_assets FOREIGN KEY(game_variant_asset_id, game_variant_version_id) REFERENCES assets (asset_id, version_id), 
	CONSTRAINT fk_matches_map_asset_id_assets FOREIGN KEY(map_asset_id, map_version_id) REFERENCES assets (asset_id, version_id), 
	CONSTRAINT fk_matches_map_mode_pair_asset_id_assets FOREIGN KEY(map_mode_pair_asset_id, map_mode_pair_version_id) REFERENCES assets (asset_id, version_id), 
	CONSTRAINT fk_matches_playlist_asset_id_assets FOREIGN KEY(playlist_asset_id, playlist_version_id) REFERENCES assets (asset_id, version_id), 
	CONSTRAINT fk_matches_season_id_seasons FOREIGN KEY(season_id) REFERENCES seasons (season_id)
);
CREATE TABLE "service_record_snapshots" (
	score INTEGER, 
	personal_score INTEGER, 
	rounds_won INTEGER, 
	rounds_lost INTEGER, 
	rounds_tied INTEGER, 
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	average_kda FLOAT, 
	suicides INTEGER, 
	betrayals INTEGER, 
	grenade_kills INTEGER, 
	headshot_kills INTEGER, 
	melee_kills INTEGER, 
	power_weapon_kills INTEGER, 
	shots_fired INTEGER, 
	shots_hit INTEGER, 
	accuracy FLOAT, 
	damage_dealt INTEGER, 
	damage_taken INTEGER, 
	callout_assists INTEGER, 
	vehicle_destroys INTEGER, 
	driver_assists INTEGER, 
	hijacks INTEGER, 
	emp_assists INTEGER, 
	max_killing_spree INTEGER, 
	spawns INTEGER, 
	objectives_completed INTEGER, 
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	taken_at VARCHAR NOT NULL, 
	lifecycle VARCHAR NOT NULL, 
	season_id VARCHAR, 
	playlist_asset_id VARCHAR, 
	is_ranked BOOLEAN, 
	game_variant_category INTEGER, 
	gameplay_interaction INTEGER, 
	matches_completed INTEGER, 
	wins INTEGER, 
	losses INTEGER, 
	ties INTEGER, 
	time_played_seconds FLOAT, 
	subqueries VARCHAR, 
	content_hash VARCHAR NOT NULL, 
	CONSTRAINT pk_service_record_snapshots PRIMARY KEY (player_id, scope, taken_at), 
	CONSTRAINT fk_service_record_snapshots_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id), 
	CONSTRAINT fk_service_record_snapshots_season_id_seasons FOREIGN KEY(season_id) REFERENCES seasons (season_id)
);
CREATE TABLE service_record_checks (
	player_id VARCHAR NOT NULL, 
	checked_at VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	snapshot_taken_at VARCHAR NOT NULL, 
	counted_until VARCHAR NOT NULL, 
	agrees BOOLEAN NOT NULL, 
	differences VARCHAR NOT NULL, 
	pending INTEGER NOT NULL, given_up INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_service_record_checks PRIMARY KEY (player_id, checked_at), 
	CONSTRAINT fk_service_record_checks_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE "personal_score_awards" (
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	name_id INTEGER NOT NULL, 
	count INTEGER, 
	total_personal_score_awarded INTEGER, 
	CONSTRAINT pk_personal_score_awards PRIMARY KEY (match_id, player_id, team_id, name_id), 
	CONSTRAINT fk_personal_score_awards_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_personal_score_awards_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE expired_films (
	match_id VARCHAR NOT NULL, 
	seen_at VARCHAR NOT NULL, 
	CONSTRAINT pk_expired_films PRIMARY KEY (match_id)
);
CREATE TABLE films (
	match_id VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	major_version INTEGER, 
	film_length_ms INTEGER, 
	chunk_count INTEGER, 
	events_read INTEGER, 
	agrees_with_stats BOOLEAN, 
	disagreements VARCHAR, 
	error VARCHAR, 
	fetched_at VARCHAR, layout_inferred BOOLEAN, 
	CONSTRAINT pk_films PRIMARY KEY (match_id), 
	CONSTRAINT fk_films_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
);
CREATE TABLE "match_players" (
	score INTEGER, 
	personal_score INTEGER, 
	rounds_won INTEGER, 
	rounds_lost INTEGER, 
	rounds_tied INTEGER, 
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kda FLOAT, 
	suicides INTEGER, 
	betrayals INTEGER, 
	average_life_duration_seconds FLOAT, 
	grenade_kills INTEGER, 
	headshot_kills INTEGER, 
	melee_kills INTEGER, 
	power_weapon_kills INTEGER, 
	shots_fired INTEGER, 
	shots_hit INTEGER, 
	accuracy FLOAT, 
	damage_dealt INTEGER, 
	damage_taken INTEGER, 
	callout_assists INTEGER, 
	vehicle_destroys INTEGER, 
	driver_assists INTEGER, 
	hijacks INTEGER, 
	emp_assists INTEGER, 
	max_killing_spree INTEGER, 
	deprecated_damage_dealt FLOAT, 
	deprecated_damage_taken FLOAT, 
	spawns INTEGER, 
	objectives_completed INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	player_type INTEGER, 
	bot_difficulty INTEGER, 
	last_team_id INTEGER, 
	outcome INTEGER, 
	rank INTEGER, 
	first_joined_time VARCHAR, 
	last_leave_time VARCHAR, 
	present_at_beginning BOOLEAN, 
	joined_in_progress BOOLEAN, 
	left_in_progress BOOLEAN, 
	present_at_completion BOOLEAN, 
	time_played_seconds FLOAT, 
	confirmed_participation BOOLEAN, 
	CONSTRAINT pk_match_players PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_match_players_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_match_players_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "match_teams" (
	score INTEGER, 
	personal_score INTEGER, 
	rounds_won INTEGER, 
	rounds_lost INTEGER, 
	rounds_tied INTEGER, 
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kda FLOAT, 
	suicides INTEGER, 
	betrayals INTEGER, 
	average_life_duration_seconds FLOAT, 
	grenade_kills INTEGER, 
	headshot_kills INTEGER, 
	melee_kills INTEGER, 
	power_weapon_kills INTEGER, 
	shots_fired INTEGER, 
	shots_hit INTEGER, 
	accuracy FLOAT, 
	damage_dealt INTEGER, 
	damage_taken INTEGER, 
	callout_assists INTEGER, 
	vehicle_destroys INTEGER, 
	driver_assists INTEGER, 
	hijacks INTEGER, 
	emp_assists INTEGER, 
	max_killing_spree INTEGER, 
	deprecated_damage_dealt FLOAT, 
	deprecated_damage_taken FLOAT, 
	spawns INTEGER, 
	objectives_completed INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	outcome INTEGER, 
	rank INTEGER, 
	CONSTRAINT pk_match_teams PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_match_teams_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "match_skill" (
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER, 
	result_code INTEGER, 
	team_mmr FLOAT, 
	team_mmrs VARCHAR, 
	pre_match_csr INTEGER, 
	pre_match_tier VARCHAR, 
	pre_match_sub_tier INTEGER, 
	pre_match_tier_start INTEGER, 
	pre_match_next_tier VARCHAR, 
	pre_match_next_sub_tier INTEGER, 
	pre_match_next_tier_start INTEGER, 
	pre_match_measurement_matches_remaining INTEGER, 
	pre_match_initial_measurement_matches INTEGER, 
	post_match_csr INTEGER, 
	post_match_tier VARCHAR, 
	post_match_sub_tier INTEGER, 
	post_match_tier_start INTEGER, 
	post_match_next_tier VARCHAR, 
	post_match_next_sub_tier INTEGER, 
	post_match_next_tier_start INTEGER, 
	post_match_measurement_matches_remaining INTEGER, 
	post_match_initial_measurement_matches INTEGER, 
	kills INTEGER, 
	expected_kills FLOAT, 
	kills_std_dev FLOAT, 
	deaths INTEGER, 
	expected_deaths FLOAT, 
	deaths_std_dev FLOAT, 
	self_counterfactual_kills FLOAT, 
	self_counterfactual_deaths FLOAT, 
	tier_counterfactuals VARCHAR, 
	ranked_rewards VARCHAR, 
	non_finite VARCHAR, 
	CONSTRAINT pk_match_skill PRIMARY KEY (match_id, player_id), 
	CONSTRAINT fk_match_skill_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_match_skill_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "medal_awards" (
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	medal_id INTEGER NOT NULL, 
	count INTEGER, 
	total_personal_score_awarded INTEGER, 
	CONSTRAINT pk_medal_awards PRIMARY KEY (match_id, player_id, team_id, medal_id), 
	CONSTRAINT fk_medal_awards_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_medal_awards_medal_id_medals FOREIGN KEY(medal_id) REFERENCES medals (medal_id), 
	CONSTRAINT fk_medal_awards_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "bomb_stats" (
	bomb_carriers_killed INTEGER, 
	bomb_defusals INTEGER, 
	bomb_defusers_killed INTEGER, 
	bomb_detonations INTEGER, 
	bomb_pick_ups INTEGER, 
	bomb_plants INTEGER, 
	bomb_returns INTEGER, 
	kills_as_bomb_carrier INTEGER, 
	time_as_bomb_carrier_seconds FLOAT, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_bomb_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_bomb_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_bomb_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "capture_the_flag_stats" (
	flag_capture_assists INTEGER, 
	flag_captures INTEGER, 
	flag_carriers_killed INTEGER, 
	flag_grabs INTEGER, 
	flag_returners_killed INTEGER, 
	flag_returns INTEGER, 
	flag_secures INTEGER, 
	flag_steals INTEGER, 
	kills_as_flag_carrier INTEGER, 
	kills_as_flag_returner INTEGER, 
	time_as_flag_carrier_seconds FLOAT, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_capture_the_flag_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_capture_the_flag_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_capture_the_flag_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "elimination_stats" (
	allies_revived INTEGER, 
	elimination_assists INTEGER, 
	eliminations INTEGER, 
	enemy_revives_denied INTEGER, 
	executions INTEGER, 
	kills_as_last_player_standing INTEGER, 
	last_players_standing_killed INTEGER, 
	rounds_survived INTEGER, 
	times_revived_by_ally INTEGER, 
	lives_remaining INTEGER, 
	elimination_order INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_elimination_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_elimination_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_elimination_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "extraction_stats" (
	extraction_conversions_completed INTEGER, 
	extraction_conversions_denied INTEGER, 
	extraction_initiations_completed INTEGER, 
	extraction_initiations_denied INTEGER, 
	successful_extractions INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_extraction_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_extraction_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_extraction_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "infection_stats" (
	alphas_killed INTEGER, 
	spartans_infected INTEGER, 
	spartans_infected_as_alpha INTEGER, 
	kills_as_last_spartan_standing INTEGER, 
	last_spartans_standing_infected INTEGER, 
	rounds_as_alpha INTEGER, 
	rounds_as_last_spartan_standing INTEGER, 
	rounds_finished_as_infected INTEGER, 
	rounds_survived_as_spartan INTEGER, 
	rounds_survived_as_last_spartan_standing INTEGER, 
	time_as_last_spartan_standing_seconds FLOAT, 
	infected_killed INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_infection_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_infection_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_infection_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "oddball_stats" (
	kills_as_skull_carrier INTEGER, 
	longest_time_as_skull_carrier_seconds FLOAT, 
	skull_carriers_killed INTEGER, 
	skull_grabs INTEGER, 
	time_as_skull_carrier_seconds FLOAT, 
	skull_scoring_ticks INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_oddball_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_oddball_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_oddball_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "pve_stats" (
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kda FLOAT, 
	marine_kills INTEGER, 
	grunt_kills INTEGER, 
	jackal_kills INTEGER, 
	elite_kills INTEGER, 
	brute_kills INTEGER, 
	hunter_kills INTEGER, 
	skimmer_kills INTEGER, 
	sentinel_kills INTEGER, 
	boss_kills INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_pve_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_pve_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_pve_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "pvp_stats" (
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kda FLOAT, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_pvp_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_pvp_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_pvp_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "stockpile_stats" (
	kills_as_power_seed_carrier INTEGER, 
	power_seeds_deposited INTEGER, 
	power_seeds_stolen INTEGER, 
	power_seed_carriers_killed INTEGER, 
	time_as_power_seed_carrier_seconds FLOAT, 
	time_as_power_seed_driver_seconds FLOAT, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_stockpile_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_stockpile_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_stockpile_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "vip_stats" (
	kills_as_vip INTEGER, 
	longest_time_as_vip_seconds FLOAT, 
	max_killing_spree_as_vip INTEGER, 
	time_as_vip_seconds FLOAT, 
	times_selected_as_vip INTEGER, 
	vip_assists INTEGER, 
	vip_kills INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_vip_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_vip_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_vip_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "zones_stats" (
	stronghold_captures INTEGER, 
	stronghold_defensive_kills INTEGER, 
	stronghold_offensive_kills INTEGER, 
	stronghold_secures INTEGER, 
	stronghold_occupation_time_seconds FLOAT, 
	stronghold_scoring_ticks INTEGER, 
	match_id VARCHAR NOT NULL, 
	player_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_zones_stats PRIMARY KEY (match_id, player_id, team_id), 
	CONSTRAINT fk_zones_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id), 
	CONSTRAINT fk_zones_stats_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_bomb_stats" (
	bomb_carriers_killed INTEGER, 
	bomb_defusals INTEGER, 
	bomb_defusers_killed INTEGER, 
	bomb_detonations INTEGER, 
	bomb_pick_ups INTEGER, 
	bomb_plants INTEGER, 
	bomb_returns INTEGER, 
	kills_as_bomb_carrier INTEGER, 
	time_as_bomb_carrier_seconds FLOAT, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_bomb_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_bomb_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_capture_the_flag_stats" (
	flag_capture_assists INTEGER, 
	flag_captures INTEGER, 
	flag_carriers_killed INTEGER, 
	flag_grabs INTEGER, 
	flag_returners_killed INTEGER, 
	flag_returns INTEGER, 
	flag_secures INTEGER, 
	flag_steals INTEGER, 
	kills_as_flag_carrier INTEGER, 
	kills_as_flag_returner INTEGER, 
	time_as_flag_carrier_seconds FLOAT, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_capture_the_flag_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_capture_the_flag_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_elimination_stats" (
	allies_revived INTEGER, 
	elimination_assists INTEGER, 
	eliminations INTEGER, 
	enemy_revives_denied INTEGER, 
	executions INTEGER, 
	kills_as_last_player_standing INTEGER, 
	last_players_standing_killed INTEGER, 
	rounds_survived INTEGER, 
	times_revived_by_ally INTEGER, 
	lives_remaining INTEGER, 
	elimination_order INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_elimination_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_elimination_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_extraction_stats" (
	extraction_conversions_completed INTEGER, 
	extraction_conversions_denied INTEGER, 
	extraction_initiations_completed INTEGER, 
	extraction_initiations_denied INTEGER, 
	successful_extractions INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_extraction_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_extraction_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_infection_stats" (
	alphas_killed INTEGER, 
	spartans_infected INTEGER, 
	spartans_infected_as_alpha INTEGER, 
	kills_as_last_spartan_standing INTEGER, 
	last_spartans_standing_infected INTEGER, 
	rounds_as_alpha INTEGER, 
	rounds_as_last_spartan_standing INTEGER, 
	rounds_finished_as_infected INTEGER, 
	rounds_survived_as_spartan INTEGER, 
	rounds_survived_as_last_spartan_standing INTEGER, 
	time_as_last_spartan_standing_seconds FLOAT, 
	infected_killed INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_infection_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_infection_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_oddball_stats" (
	kills_as_skull_carrier INTEGER, 
	longest_time_as_skull_carrier_seconds FLOAT, 
	skull_carriers_killed INTEGER, 
	skull_grabs INTEGER, 
	time_as_skull_carrier_seconds FLOAT, 
	skull_scoring_ticks INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_oddball_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_oddball_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_pve_stats" (
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kda FLOAT, 
	marine_kills INTEGER, 
	grunt_kills INTEGER, 
	jackal_kills INTEGER, 
	elite_kills INTEGER, 
	brute_kills INTEGER, 
	hunter_kills INTEGER, 
	skimmer_kills INTEGER, 
	sentinel_kills INTEGER, 
	boss_kills INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_pve_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_pve_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_pvp_stats" (
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	kda FLOAT, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_pvp_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_pvp_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_stockpile_stats" (
	kills_as_power_seed_carrier INTEGER, 
	power_seeds_deposited INTEGER, 
	power_seeds_stolen INTEGER, 
	power_seed_carriers_killed INTEGER, 
	time_as_power_seed_carrier_seconds FLOAT, 
	time_as_power_seed_driver_seconds FLOAT, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_stockpile_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_stockpile_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_vip_stats" (
	kills_as_vip INTEGER, 
	longest_time_as_vip_seconds FLOAT, 
	max_killing_spree_as_vip INTEGER, 
	time_as_vip_seconds FLOAT, 
	times_selected_as_vip INTEGER, 
	vip_assists INTEGER, 
	vip_kills INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_vip_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_vip_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE "team_zones_stats" (
	stronghold_captures INTEGER, 
	stronghold_defensive_kills INTEGER, 
	stronghold_offensive_kills INTEGER, 
	stronghold_secures INTEGER, 
	stronghold_occupation_time_seconds FLOAT, 
	stronghold_scoring_ticks INTEGER, 
	match_id VARCHAR NOT NULL, 
	team_id INTEGER NOT NULL, 
	CONSTRAINT pk_team_zones_stats PRIMARY KEY (match_id, team_id), 
	CONSTRAINT fk_team_zones_stats_match_id_matches FOREIGN KEY(match_id) REFERENCES matches (match_id)
)
 WITHOUT ROWID

;
CREATE TABLE archive_day_totals (
	scope VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR NOT NULL, 
	playlist_version_id VARCHAR NOT NULL, 
	day VARCHAR NOT NULL, 
	playlist VARCHAR, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	losses INTEGER NOT NULL, 
	ties INTEGER NOT NULL, 
	left_early INTEGER NOT NULL, 
	no_outcome INTEGER NOT NULL, mixed INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_archive_day_totals PRIMARY KEY (scope, playlist_asset_id, playlist_version_id, day)
);
CREATE TABLE archive_map_totals (
	scope VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR NOT NULL, 
	playlist_version_id VARCHAR NOT NULL, 
	map_asset_id VARCHAR NOT NULL, 
	map_version_id VARCHAR NOT NULL, 
	playlist VARCHAR, 
	map VARCHAR, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	CONSTRAINT pk_archive_map_totals PRIMARY KEY (scope, playlist_asset_id, playlist_version_id, map_asset_id, map_version_id)
);
CREATE TABLE player_day_totals (
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR NOT NULL, 
	playlist_version_id VARCHAR NOT NULL, 
	day VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	playlist VARCHAR, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	losses INTEGER NOT NULL, 
	ties INTEGER NOT NULL, 
	left_early INTEGER NOT NULL, 
	no_outcome INTEGER NOT NULL, 
	kills INTEGER, 
	deaths INTEGER, 
	CONSTRAINT pk_player_day_totals PRIMARY KEY (player_id, scope, playlist_asset_id, playlist_version_id, day), 
	CONSTRAINT fk_player_day_totals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE player_totals (
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR NOT NULL, 
	playlist_version_id VARCHAR NOT NULL, 
	map_asset_id VARCHAR NOT NULL, 
	map_version_id VARCHAR NOT NULL, 
	game_variant_asset_id VARCHAR NOT NULL, 
	game_variant_version_id VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	playlist VARCHAR, 
	map VARCHAR, 
	mode VARCHAR, 
	lines INTEGER NOT NULL, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	losses INTEGER NOT NULL, 
	ties INTEGER NOT NULL, 
	left_early INTEGER NOT NULL, 
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	accuracy_hundredths BIGINT, 
	accuracy_lines INTEGER NOT NULL, 
	damage_dealt BIGINT, 
	damage_lines INTEGER NOT NULL, 
	time_played_ticks BIGINT, 
	peak_csr INTEGER, 
	first_match VARCHAR, 
	last_match VARCHAR, shots_fired BIGINT, shots_hit BIGINT, damage_matches INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_player_totals PRIMARY KEY (player_id, scope, playlist_asset_id, playlist_version_id, map_asset_id, map_version_id, game_variant_asset_id, game_variant_version_id), 
	CONSTRAINT fk_player_totals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE "sync_runs" (
	id INTEGER NOT NULL, 
	started_at VARCHAR NOT NULL, 
	finished_at VARCHAR, 
	outcome VARCHAR NOT NULL, 
	players VARCHAR, 
	requests INTEGER NOT NULL, 
	matches_added INTEGER, 
	pending INTEGER NOT NULL, 
	failures VARCHAR, 
	error VARCHAR, 
	CONSTRAINT pk_sync_runs PRIMARY KEY (id)
);
CREATE TABLE "film_events" (
	match_id VARCHAR NOT NULL, 
	seq INTEGER NOT NULL, 
	player_id VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	type VARCHAR NOT NULL, 
	time_ms INTEGER NOT NULL, 
	medal_code INTEGER, 
	medal_name VARCHAR, 
	CONSTRAINT pk_film_events PRIMARY KEY (match_id, seq), 
	CONSTRAINT fk_film_events_match_id_films FOREIGN KEY(match_id) REFERENCES films (match_id), 
	CONSTRAINT fk_film_events_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE "kills" (
	match_id VARCHAR NOT NULL, 
	seq INTEGER NOT NULL, 
	time_ms INTEGER NOT NULL, 
	killer_id VARCHAR NOT NULL, 
	killer_gamertag VARCHAR, 
	victim_id VARCHAR, 
	victim_gamertag VARCHAR, 
	ambiguous BOOLEAN NOT NULL, 
	candidates INTEGER NOT NULL, 
	CONSTRAINT pk_kills PRIMARY KEY (match_id, seq), 
	CONSTRAINT fk_kills_killer_id_players FOREIGN KEY(killer_id) REFERENCES players (player_id), 
	CONSTRAINT fk_kills_match_id_films FOREIGN KEY(match_id) REFERENCES films (match_id), 
	CONSTRAINT fk_kills_victim_id_players FOREIGN KEY(victim_id) REFERENCES players (player_id)
);
CREATE TABLE "player_rivals" (
	player_id VARCHAR NOT NULL, 
	opponent_id VARCHAR NOT NULL, 
	opponent_gamertag VARCHAR, 
	kills_on INTEGER NOT NULL, 
	deaths_to INTEGER NOT NULL, 
	net INTEGER NOT NULL, 
	matches INTEGER NOT NULL, 
	CONSTRAINT pk_player_rivals PRIMARY KEY (player_id, opponent_id), 
	CONSTRAINT fk_player_rivals_opponent_id_players FOREIGN KEY(opponent_id) REFERENCES players (player_id), 
	CONSTRAINT fk_player_rivals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE player_playlist_totals (
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	playlist_asset_id VARCHAR NOT NULL, 
	playlist_version_id VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	playlist VARCHAR, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	losses INTEGER NOT NULL, 
	ties INTEGER NOT NULL, 
	left_early INTEGER NOT NULL, 
	kills INTEGER, 
	deaths INTEGER, 
	assists INTEGER, 
	accuracy_hundredths BIGINT, 
	accuracy_lines INTEGER NOT NULL, 
	damage_dealt BIGINT, 
	damage_lines INTEGER NOT NULL, 
	time_played_ticks BIGINT, 
	peak_csr INTEGER, 
	first_match VARCHAR, 
	last_match VARCHAR, shots_fired BIGINT, shots_hit BIGINT, damage_matches INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_player_playlist_totals PRIMARY KEY (player_id, scope, playlist_asset_id, playlist_version_id), 
	CONSTRAINT fk_player_playlist_totals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE player_map_totals (
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	map_asset_id VARCHAR NOT NULL, 
	map_version_id VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	map VARCHAR, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	kills INTEGER, 
	deaths INTEGER, 
	accuracy_hundredths BIGINT, 
	accuracy_lines INTEGER NOT NULL, shots_fired BIGINT, shots_hit BIGINT, 
	CONSTRAINT pk_player_map_totals PRIMARY KEY (player_id, scope, map_asset_id, map_version_id), 
	CONSTRAINT fk_player_map_totals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE player_mode_totals (
	player_id VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	game_variant_asset_id VARCHAR NOT NULL, 
	game_variant_version_id VARCHAR NOT NULL, 
	gamertag VARCHAR, 
	mode VARCHAR, 
	matches INTEGER NOT NULL, 
	wins INTEGER NOT NULL, 
	kills INTEGER, 
	deaths INTEGER, 
	accuracy_hundredths BIGINT, 
	accuracy_lines INTEGER NOT NULL, shots_fired BIGINT, shots_hit BIGINT, 
	CONSTRAINT pk_player_mode_totals PRIMARY KEY (player_id, scope, game_variant_asset_id, game_variant_version_id), 
	CONSTRAINT fk_player_mode_totals_player_id_players FOREIGN KEY(player_id) REFERENCES players (player_id)
);
CREATE TABLE unfinished_copies (
	id INTEGER NOT NULL, 
	started_at VARCHAR NOT NULL, 
	CONSTRAINT pk_unfinished_copies PRIMARY KEY (id)
);
CREATE INDEX ix_raw_responses_kind_key ON raw_responses (kind, "key");
CREATE INDEX ix_player_encounters_other_player_id ON player_encounters (other_player_id);
CREATE INDEX ix_player_encounters_relation ON player_encounters (relation, matches, win_rate);
CREATE INDEX ix_player_matches_player_id ON player_matches (player_id, start_time);
CREATE INDEX ix_matches_start_time ON matches (start_time);
CREATE INDEX ix_matches_pve ON matches (match_id) WHERE gameplay_interaction = 2 OR game_variant_category = 42 OR playlist_experience = 6;
CREATE INDEX ix_player_matches_totals ON player_matches (player_id, map, mode, lifecycle_mode, match_id, outcome, kills, deaths, assists, start_time);
CREATE INDEX ix_player_matches_csr ON player_matches (player_id, start_time, playlist_asset_id, playlist, post_match_csr, post_match_tier, match_id) WHERE post_match_csr IS NOT NULL;
CREATE INDEX ix_match_players_player_id ON match_players (player_id, match_id);
CREATE INDEX ix_medal_awards_player_id ON medal_awards (player_id, medal_id, count);
CREATE INDEX ix_player_matches_start_time ON player_matches (start_time);
CREATE INDEX ix_player_matches_csr_chart ON player_matches (gamertag, playlist, start_time, post_match_csr, post_match_tier, match_id, day) WHERE post_match_csr IS NOT NULL;
CREATE INDEX ix_player_matches_map_kd ON player_matches (gamertag, map, kills, deaths);
CREATE INDEX ix_player_matches_ranked ON player_matches (start_time) WHERE post_match_csr IS NOT NULL;
CREATE INDEX ix_player_matches_best ON player_matches (kda, kills, start_time);
CREATE INDEX ix_player_totals_record ON player_totals (player_id, scope, gamertag, matches, wins, losses, ties, left_early, kills, deaths, assists);
CREATE INDEX ix_film_events_player_id ON film_events (player_id, type);
CREATE INDEX ix_player_rivals_net ON player_rivals (player_id, net);
CREATE INDEX ix_kills_killer_id ON kills (killer_id);
CREATE INDEX ix_kills_victim_id ON kills (victim_id);
CREATE INDEX ix_matches_free_for_all ON matches (match_id, lifecycle_mode, start_time, player_count) WHERE free_for_all;
CREATE INDEX ix_player_encounters_player ON player_encounters (player_id, relation, matches, win_rate);
CREATE INDEX ix_player_matches_switchers ON player_matches (player_id, match_id) WHERE teams_played > 1;
CREATE VIEW matches_named AS
SELECT
    m.match_id,
    m.start_time,
    m.duration_seconds,
    m.lifecycle_mode,
    map.public_name AS map,
    game_variant.public_name AS game_variant,
    playlist.public_name AS playlist,
    map_mode_pair.public_name AS map_mode_pair,
    season.name AS season,
    m.game_variant_category,
    m.playlist_experience,
    m.season_id,
    m.map_asset_id,
    m.game_variant_asset_id,
    m.playlist_asset_id
FROM matches AS m
LEFT JOIN assets AS map
    ON map.asset_id = m.map_asset_id AND map.version_id = m.map_version_id
LEFT JOIN assets AS game_variant
    ON game_variant.asset_id = m.game_variant_asset_id
    AND game_variant.version_id = m.game_variant_version_id
LEFT JOIN assets AS playlist
    ON playlist.asset_id = m.playlist_asset_id AND playlist.version_id = m.playlist_version_id
LEFT JOIN assets AS map_mode_pair
    ON map_mode_pair.asset_id = m.map_mode_pair_asset_id
    AND map_mode_pair.version_id = m.map_mode_pair_version_id
LEFT JOIN seasons AS season ON season.season_id = m.season_id;
CREATE VIEW medal_awards_named AS
SELECT
    a.match_id,
    a.player_id,
    p.gamertag,
    a.team_id,
    a.medal_id,
    medal.name AS medal,
    medal.difficulty,
    medal.type,
    a.count,
    a.total_personal_score_awarded
FROM medal_awards AS a
LEFT JOIN medals AS medal ON medal.medal_id = a.medal_id
LEFT JOIN players AS p ON p.player_id = a.player_id;
CREATE VIEW pve_matches AS
SELECT match_id FROM matches
WHERE gameplay_interaction = 2 OR game_variant_category = 42 OR playlist_experience = 6;
CREATE VIEW player_careers AS
SELECT
    max(gamertag) AS gamertag,
    count(*) AS matches,
    sum(won) AS wins,
    sum(lost) AS losses,
    sum(tied) AS ties,
    sum(left_early) AS left_early,
    round(100.0 * sum(won) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    sum(assists) AS assists,
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) AS kd,
    round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 2) AS accuracy,
    round(avg(damage_dealt), 0) AS damage_per_match,
    max(kills) AS most_kills,
    (SELECT post_match_csr FROM player_matches AS last
        WHERE last.player_id = pm.player_id AND last.post_match_csr IS NOT NULL
        ORDER BY last.start_time DESC LIMIT 1) AS current_csr,
    max(post_match_csr) AS peak_csr,
    round(sum(time_played_seconds) / 3600.0, 1) AS hours_played,
    min(start_time) AS first_match,
    max(start_time) AS last_match,
    player_id
FROM (
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        CAST(sum(shots_fired) AS INTEGER) AS shots_fired,
        CAST(sum(shots_hit) AS INTEGER) AS shots_hit,
        CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, max(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id
) AS pm
GROUP BY player_id;
CREATE VIEW player_map_mode_stats AS
SELECT
    max(gamertag) AS gamertag,
    map,
    mode,
    count(*) AS matches,
    sum(won) AS wins,
    sum(lost) AS losses,
    round(100.0 * sum(won) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) AS kd,
    round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 2) AS accuracy,
    player_id
FROM (
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        CAST(sum(shots_fired) AS INTEGER) AS shots_fired,
        CAST(sum(shots_hit) AS INTEGER) AS shots_hit,
        CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, max(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id
) AS pm
GROUP BY player_id, map, mode;
CREATE VIEW player_matches_scoped AS
SELECT pm.*, CASE WHEN pm.lifecycle_mode IS NOT 3 THEN 'custom'
    WHEN pm.match_id IN (SELECT match_id FROM pve_matches) THEN 'matchmade_pve'
    ELSE 'matchmade_pvp' END AS scope
FROM player_matches AS pm;
CREATE TRIGGER players_fts_ai AFTER INSERT ON players
BEGIN
  INSERT INTO players_fts(rowid, gamertag)
    VALUES (new.rowid, new.gamertag);
END;
CREATE TRIGGER players_fts_ad AFTER DELETE ON players
BEGIN
  INSERT INTO players_fts(players_fts, rowid, gamertag)
    VALUES ('delete', old.rowid, old.gamertag);
END;
CREATE TRIGGER assets_fts_ai AFTER INSERT ON assets
BEGIN
  INSERT INTO assets_fts(rowid, public_name, description)
    VALUES (new.rowid, new.public_name, new.description);
END;
CREATE TRIGGER assets_fts_ad AFTER DELETE ON assets
BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, public_name, description)
    VALUES ('delete', old.rowid, old.public_name, old.description);
END;
CREATE TRIGGER players_fts_au
AFTER UPDATE OF gamertag ON players
WHEN old.gamertag IS NOT new.gamertag
BEGIN
  INSERT INTO players_fts(players_fts, rowid, gamertag)
    VALUES ('delete', old.rowid, old.gamertag);
  INSERT INTO players_fts(rowid, gamertag)
    VALUES (new.rowid, new.gamertag);
END;
CREATE TRIGGER assets_fts_au
AFTER UPDATE OF public_name, description ON assets
WHEN old.public_name IS NOT new.public_name OR old.description IS NOT new.description
BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, public_name, description)
    VALUES ('delete', old.rowid, old.public_name, old.description);
  INSERT INTO assets_fts(rowid, public_name, description)
    VALUES (new.rowid, new.public_name, new.description);
END;
INSERT INTO alembic_version (version_num) VALUES ('0038');
