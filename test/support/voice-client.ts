/** The real @discordjs/voice client in a voice channel of the stand-ins, for the voice protocol tests. */
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { AudioPlayer, createAudioResource, entersState, joinVoiceChannel, NoSubscriberBehavior, StreamType, VoiceConnectionStatus, type VoiceConnection } from '@discordjs/voice';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { joinAndKeepConnected } from '../../src/voice/connection.ts';
import { DiscordStandin } from '../standin/index.ts';
import { VoiceStandin, type VoiceStandinOptions } from '../standin/voice/server.ts';

// The voice stand-in serves wss with a certificate made for this test process only.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

/** `seconds` of a 440 Hz tone as 48 kHz stereo s16le PCM. */
export function tone(seconds: number): Buffer {
  const frames = Math.round(48_000 * seconds);
  const pcm = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / 48_000) * 8000);
    pcm.writeInt16LE(v, i * 4);
    pcm.writeInt16LE(v, i * 4 + 2);
  }
  return pcm;
}

/**
 * A discord.js client logged into a stand-in with a voice server, joined to a voice channel with
 * @discordjs/voice and playing a tone; teardown steps go to `cleanups` (run them last first).
 * `join: 'bot'` joins the way the bot does (src/voice/connection.ts), not with the bare library.
 */
export async function voiceWorld(cleanups: (() => Promise<unknown> | unknown)[], options: VoiceStandinOptions = {}, seconds = 3, join: 'library' | 'bot' = 'library') {
  const standin = await new DiscordStandin().start();
  const voice = await new VoiceStandin(options).start();
  standin.attachVoiceServer(voice);
  const guild = standin.createGuild('Voice');
  const channel = standin.createChannel(guild, 'lounge', 'voice');
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], ...standin.clientOptions() });
  cleanups.push(async () => {
    await voice.stop();
    await standin.stop();
    standin.conformance.assertClean();
  });
  cleanups.push(() => client.destroy());
  const ready = once(client, Events.ClientReady);
  await client.login(standin.token);
  await ready;
  const g = client.guilds.cache.get(guild.id)!;
  const joinedAt = performance.now();
  let connection: VoiceConnection;
  if (join === 'bot') {
    connection = await joinAndKeepConnected(g, channel.id);
    cleanups.push(() => connection.destroy());
  } else {
    connection = joinVoiceChannel({ guildId: guild.id, channelId: channel.id, adapterCreator: g.voiceAdapterCreator, selfDeaf: true });
    cleanups.push(() => connection.destroy());
    await entersState(connection, VoiceConnectionStatus.Ready, 15_000);
  }
  const player = new AudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
  cleanups.push(() => player.stop(true));
  connection.subscribe(player);
  player.play(createAudioResource(Readable.from([tone(seconds)]), { inputType: StreamType.Raw }));
  return { standin, voice, guildId: guild.id, channelId: channel.id, botUserId: standin.botUser.id, connection, player, joinedAt };
}

