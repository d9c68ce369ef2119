// The kafkajs partition assignor that gives backend pods their planned rates (docs/kafka.md
// "Rates as planned"). Every member declares, in its group metadata's user data, its pod, backend
// group, planned rate for the stage and plan generation (contract/member-metadata.ts); the group
// leader's assignor reads all declarations and splits partitions by rate (runtime/assignment/).
// The declaration is read at every join, so a pod that took a re-plan live declares its new rate
// at its next join (the subscription rejoins when its declaration changes).
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import {
  decodeMemberDeclaration,
  encodeMemberDeclaration,
  type MemberDeclaration,
} from '../../../contract/member-metadata.ts';
import { assignByRate } from '../../assignment/partitions-by-rate.ts';

export const RATE_ASSIGNOR = 'VpoPlannedRate';
const VERSION = 1;

export function rateAssignor(declare: () => MemberDeclaration | undefined): PartitionAssigner {
  return ({ cluster }) => ({
    name: RATE_ASSIGNOR,
    version: VERSION,
    protocol({ topics }) {
      const declaration = declare();
      return {
        name: RATE_ASSIGNOR,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: VERSION,
          topics,
          userData: declaration ? encodeMemberDeclaration(declaration) : Buffer.alloc(0),
        }),
      };
    },
    async assign({ members, topics }) {
      const rates = members.map(({ memberId, memberMetadata }) => {
        const declared = decodeMemberDeclaration(
          AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData,
        );
        return {
          memberId,
          ...(declared ? { pod: declared.pod, rateVps: declared.rateVps } : {}),
          ...(declared?.capacityVps ? { capacityVps: declared.capacityVps } : {}),
        };
      });
      const partitionsOf = topics.map((topic) => ({
        topic,
        partitions: cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
      }));
      const assignment = assignByRate(rates, partitionsOf);
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: VERSION,
          assignment: assignment.get(memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
